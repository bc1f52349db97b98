"""``scripts/judge_agreement.py`` end to end: verdict files through ``specrun check --judge``
against the scripted loopback server, compared with the reviewer's labels. The verdict files
here are the mechanically derived plumbing fixtures, which measure nothing."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from support import FIXTURES, ROOT

SCRIPT = ROOT / "scripts" / "judge_agreement.py"
PLUMBING = FIXTURES / "judge" / "plumbing"


def agreement(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_verdicts_are_counted_agreed_and_discarded() -> None:
    completed = agreement("--verdicts", PLUMBING, "mid-4")
    assert completed.returncode == 0, completed.stderr
    assert (
        "1 answers, 4 items asked, 3 verdicts accepted, agreement with the reviewer 3/3 = "
        "100.0% per item, 2/2 = 100.0% per rule and unit, 1 verdicts discarded, 1 items left "
        "unreviewed"
    ) in completed.stdout


def test_a_verdict_against_the_reviewer_is_a_disagreement(tmp_path: Path) -> None:
    verdicts = json.loads((PLUMBING / "voice-c.json").read_text(encoding="utf-8"))
    [verdict] = verdicts["verdicts"]
    assert verdict["verdict"] == "broken"
    verdict["verdict"] = "holds"
    (tmp_path / "voice-c.json").write_text(json.dumps(verdicts), encoding="utf-8")
    completed = agreement("--verdicts", tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "agreement with the reviewer 0/1 = 0.0% per item, 0/1 = 0.0% per rule and unit" in (
        completed.stdout
    )
    assert "disagreed: voice-c R1 SC401 Candidate D > boundary_to_existing_specs: judge holds" in (
        completed.stdout
    )


def test_verdicts_given_to_an_earlier_request_follow_their_items(tmp_path: Path) -> None:
    """The request the verdicts answered listed an item today's rules no longer ask about."""
    verdicts = json.loads((PLUMBING / "voice-c.json").read_text(encoding="utf-8"))
    [verdict] = verdicts["verdicts"]
    gone = {**verdict, "item": "R1", "verdict": "holds"}
    verdicts["verdicts"] = [gone, {**verdict, "item": "R2"}]
    (tmp_path / "voice-c.json").write_text(json.dumps(verdicts), encoding="utf-8")
    capture = agreement("--capture", tmp_path / "requests", "voice-c")
    assert capture.returncode == 0, capture.stderr
    [today] = json.loads((tmp_path / "requests" / "voice-c.asked.json").read_text("utf-8"))
    earlier = {**today, "location": "Candidate D > scope[0]", "in_doubt": "A doubt since dropped."}
    asked = [{**earlier, "id": "R1"}, {**today, "id": "R2"}]
    (tmp_path / "voice-c.asked.json").write_text(json.dumps(asked), encoding="utf-8")
    completed = agreement("--verdicts", tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "agreement with the reviewer 1/1 = 100.0% per item" in completed.stdout
    assert "1 verdicts left out (their item is no longer asked)" in completed.stdout


def test_the_judge_request_is_captured_as_sent(tmp_path: Path) -> None:
    completed = agreement("--capture", tmp_path, "voice-c", "strong-1")
    assert completed.returncode == 0, completed.stderr
    assert "strong-1: nothing is left for review" in completed.stdout
    body = json.loads((tmp_path / "voice-c.json").read_text(encoding="utf-8"))
    assert body["output_config"]["format"]["schema"]["title"] == "JudgeVerdicts"
    asked = body["messages"][-1]["content"]
    text = asked if isinstance(asked, str) else asked[0]["text"]
    assert '"id": "R1"' in text and '"rule": "SC401"' in text
    [listed] = json.loads((tmp_path / "voice-c.asked.json").read_text(encoding="utf-8"))
    assert listed["id"] == "R1" and listed["location"] in text
    assert not (tmp_path / "strong-1.json").exists()


def test_no_verdict_file_for_the_answers_is_an_error(tmp_path: Path) -> None:
    shutil.copy(PLUMBING / "README.md", tmp_path / "README.md")
    completed = agreement("--verdicts", tmp_path)
    assert completed.returncode == 1
    assert "no verdict file" in completed.stderr
