"""Run records: rewritten whole after each attempt, valid UTF-8 JSON whatever the answer held."""

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLE, Invoke

from specrun.context.assembly import Context, assemble_context
from specrun.context.prompt_pack import load_prompt_pack
from specrun.errors import InputError
from specrun.providers import Answer, Usage
from specrun.run.reask import Attempt
from specrun.run.record import RunRecord, encode_record, prepare_runs_directory
from specrun.settings.config import Config, resolve_settings


@pytest.fixture
def context() -> Context:
    return assemble_context(EXAMPLE, load_prompt_pack("tenantpilot.spec-candidates", EXAMPLE))


def record_in(folder: Path, context: Context) -> RunRecord:
    settings = resolve_settings(Config(), "built-in defaults", {})
    return RunRecord(folder, context, settings, EXAMPLE)


def read(record: RunRecord) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(record.path.read_bytes().decode("utf-8"))
    return data


def test_a_lone_surrogate_is_written_as_its_json_escape() -> None:
    encoded = encode_record({"raw": "a\ud800b", "word": "Grüße \U0001f600"})
    assert b"\\ud800" in encoded
    assert "Grüße \U0001f600".encode() in encoded
    assert json.loads(encoded.decode("utf-8")) == {"raw": "a\ud800b", "word": "Grüße \U0001f600"}


def test_a_key_echoed_in_an_answer_is_blanked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "recorded-key-value-0042")
    encoded = encode_record({"raw": "the key was recorded-key-value-0042, said the server"})
    assert b"recorded-key-value-0042" not in encoded
    assert json.loads(encoded)["raw"] == "the key was REDACTED, said the server"


def test_each_attempt_rewrites_the_record(tmp_path: Path, context: Context) -> None:
    record = record_in(tmp_path, context)
    assert not record.path.exists()
    record.begin()
    assert read(record)["status"] == "running"
    assert read(record)["attempts"] == []
    assert read(record)["best_draft"] is None
    unreadable = Answer("{not json", Usage(output_tokens=7), "end_turn")
    record.add(Attempt(1, unreadable, None, (), 1.5))
    saved = read(record)
    assert saved["status"] == "running"
    assert saved["attempts"][0]["raw"] == "{not json"
    assert saved["usage"]["output_tokens"] == 7
    record.finish("interrupted")
    assert read(record)["status"] == "interrupted"
    assert stat.S_IMODE(record.path.stat().st_mode) == 0o600
    assert [path.name for path in tmp_path.iterdir()] == [record.path.name]


def test_a_record_for_a_surrogate_answer_round_trips(tmp_path: Path, context: Context) -> None:
    record = record_in(tmp_path, context)
    record.add(Attempt(1, Answer('{"summary": "\ud800"}'), None, (), 0.1))
    assert read(record)["attempts"][0]["raw"] == '{"summary": "\ud800"}'


def test_a_missing_runs_directory_is_created_only_with_the_record(
    tmp_path: Path, context: Context
) -> None:
    runs = tmp_path / "a" / "b"
    prepare_runs_directory(runs)
    assert list(tmp_path.iterdir()) == []
    record = record_in(runs, context)
    record.begin()
    assert record.path.parent == runs
    assert read(record)["status"] == "running"


def test_a_file_as_runs_directory_is_refused(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.write_text("x")
    with pytest.raises(InputError, match=f"the runs directory {runs} is not a directory"):
        prepare_runs_directory(runs)
    with pytest.raises(InputError, match=rf"the runs directory {runs}/below \({runs}\) is not a"):
        prepare_runs_directory(runs / "below")


DEMO = EXAMPLE.parents[1] / "cassettes" / "anthropic-reask.yaml"
EXHAUSTED = EXAMPLE.parents[1] / "cassettes" / "anthropic-exhausted.yaml"


def only_record(runs: Path) -> Path:
    [path] = runs.glob("*.json")
    return path


def test_a_replay_is_recorded_as_a_replay_of_its_cassette_for_its_repository(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = tmp_path / "runs"
    monkeypatch.setenv("SPECRUN_RUNS_DIR", str(runs))
    assert invoke("run", "--repo", EXAMPLE, "--cassette", DEMO).exit_code == 0
    record = json.loads(only_record(runs).read_text(encoding="utf-8"))
    assert record["cassette"] == {"path": str(DEMO), "mode": "replay"}
    assert record["repository"] == str(EXAMPLE.resolve())
    assert record["status"] == "valid"


def test_render_of_what_run_wrote_gives_what_run_printed(invoke: Invoke, tmp_path: Path) -> None:
    printed = invoke("run", "--repo", EXAMPLE, "--cassette", DEMO)
    written = tmp_path / "result.json"
    assert invoke("run", "--repo", EXAMPLE, "--cassette", DEMO, "--out", written).exit_code == 0
    assert "provenance" in json.loads(written.read_text(encoding="utf-8"))
    rendered = invoke("render", written)
    assert rendered.exit_code == 0, rendered.stderr
    assert rendered.stdout == printed.stdout
    assert "Binding files:" in rendered.stdout
    checked = invoke("check", written, "--repo", EXAMPLE)
    assert checked.exit_code == 0, checked.stderr


def test_render_and_check_read_a_run_record(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = tmp_path / "runs"
    monkeypatch.setenv("SPECRUN_RUNS_DIR", str(runs))
    printed = invoke("run", "--repo", EXAMPLE, "--cassette", DEMO)
    record = only_record(runs)
    rendered = invoke("render", record)
    assert rendered.exit_code == 0, rendered.stderr
    assert rendered.stdout == printed.stdout
    checked = invoke("check", record, "--repo", EXAMPLE)
    assert checked.exit_code == 0, checked.stderr
    assert "warning" not in checked.stderr


def test_a_record_of_an_invalid_run_renders_its_best_draft_with_a_warning(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = tmp_path / "runs"
    monkeypatch.setenv("SPECRUN_RUNS_DIR", str(runs))
    assert invoke("run", "--repo", EXAMPLE, "--cassette", EXHAUSTED).exit_code == 1
    rendered = invoke("render", only_record(runs))
    assert rendered.exit_code == 1
    assert rendered.stdout.startswith("# Spec candidates")
    assert "ended 'invalid': this is its best draft" in rendered.stderr
    checked = invoke("check", only_record(runs), "--repo", EXAMPLE)
    assert checked.exit_code == 1
    assert "best draft" in checked.stderr


def test_a_malformed_provenance_is_refused(invoke: Invoke, tmp_path: Path) -> None:
    result = json.loads((EXAMPLE.parents[1] / "tests/fixtures/valid-result.json").read_text())
    result["provenance"] = {"prompt": 3}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(result), encoding="utf-8")
    for command in ("render", "check"):
        outcome = invoke(command, path)
        assert outcome.exit_code == 2
        assert "malformed provenance" in outcome.stderr
        assert outcome.stdout == ""


def test_a_record_without_an_answer_is_refused(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    record: dict[str, object] = {"specrun": "0.1.0", "status": "failed", "attempts": []}
    path.write_text(json.dumps(record), encoding="utf-8")
    result = invoke("render", path)
    assert result.exit_code == 2
    assert "run record with no usable answer" in result.stderr


EXHAUSTED = EXAMPLE.parents[1] / "cassettes" / "anthropic-exhausted.yaml"


def limited_run(tmp_path: Path, file_size: int) -> Any:
    """``specrun run`` replaying an invalid run, in a process that may write no file larger
    than ``file_size`` bytes (as ``ulimit -f`` does)."""
    import os
    import resource
    import subprocess
    import sys

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    (tmp_path / "tmp").mkdir()
    environ = {
        **os.environ,
        "SPECRUN_RUNS_DIR": str(tmp_path / "runs"),
        "TMPDIR": str(tmp_path / "tmp"),
        "PYTHONIOENCODING": "utf-8",
    }
    command = [sys.executable, "-m", "specrun", "run", "--repo", str(EXAMPLE)]
    return subprocess.run(
        [*command, "--cassette", str(EXHAUSTED)],
        capture_output=True,
        text=True,
        env=environ,
        preexec_fn=limit,
        check=False,
    )


def test_when_no_file_can_be_written_every_answer_is_a_json_line_on_stderr(
    tmp_path: Path,
) -> None:
    completed = limited_run(tmp_path, 8192)
    assert completed.returncode == 1, completed.stderr
    lines = completed.stderr.splitlines()
    answers = [json.loads(line) for line in lines if line.startswith('{"run_record"')]
    assert [answer["attempt"]["number"] for answer in answers] == [1, 2, 3]
    assert all(answer["attempt"]["raw"] for answer in answers)
    assert "every answer are on stderr above, one JSON line per answer" in lines[-1]
    on_disk = [json.loads(path.read_text()) for path in (tmp_path / "runs").glob("*.json")]
    assert all(record["attempts"] == [] for record in on_disk)
    if on_disk:
        assert "holding 0 of 3 attempt(s); the others are on stderr above" in completed.stderr
    else:
        assert "run record: none could be written" in completed.stderr


def failing_runs_directory(monkeypatch: pytest.MonkeyPatch, runs: Path, after: int = 0) -> None:
    """Writes into ``runs`` fail with ENOSPC once ``after`` of them succeeded."""
    import errno

    from specrun.gates.output import write_atomically as real
    from specrun.run import record

    done: list[Path] = []

    def full(path: Path, data: bytes, **options: Any) -> None:
        if path.parent == runs and len(done) >= after:
            raise OSError(errno.ENOSPC, "No space left on device")
        done.append(path)
        real(path, data, **options)

    monkeypatch.setattr(record, "write_atomically", full)


@pytest.mark.parametrize("after", [0, 1])
def test_a_full_runs_directory_keeps_the_record_in_the_temporary_directory_and_says_so(
    invoke: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    isolated_environment: Path,
    after: int,
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    failing_runs_directory(monkeypatch, isolated_environment, after)
    result = invoke("run", "--repo", EXAMPLE, "--cassette", EXHAUSTED)
    assert result.exit_code == 1
    [kept] = tmp_path.glob("specrun-run-*.json")
    data = json.loads(kept.read_text(encoding="utf-8"))
    assert data["status"] == "invalid"
    assert len(data["attempts"]) == 3
    assert f"it is kept in {kept} instead" in result.stderr
    assert f"every answer are in {kept}, since the run record" in result.stderr.splitlines()[-1]
    assert f"run record: {kept}" in result.stderr
    on_disk = list(isolated_environment.glob("*.json"))
    assert [json.loads(path.read_text())["attempts"] for path in on_disk] == [[]] * after
