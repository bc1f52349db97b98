"""``specrun check`` on Markdown answers, through the real CLI: FILE:LINE findings, standard
input, the round trip from ``render``, and every bad input as one line and an exit code."""

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLE, FIXTURES, ROOT, Invoke
from typer.testing import CliRunner, Result

from specrun.cli import app

ANSWERS = FIXTURES / "answers"
JSON_ANSWERS = sorted(
    path for path in [*FIXTURES.glob("*.json"), *ANSWERS.glob("*.json")] if path.stem != "labels"
)
NO_CANDIDATES = "is not a spec-candidates answer: no candidate sections found"


def check_stdin(data: bytes, *args: str) -> Result:
    return CliRunner().invoke(app, ["check", "-", "--repo", str(EXAMPLE), *args], input=data)


def verdict(result: Result) -> tuple[bool, set[tuple[str, str]]]:
    """Whether the check passed, and its violations as (code, candidate or closing)."""
    report: dict[str, Any] = json.loads(result.stdout)
    units = {
        (v["code"], v["location"].split()[1] if v["location"].startswith("Candidate") else "-")
        for v in report["violations"]
    }
    return report["valid"], units


@pytest.mark.parametrize("answer", JSON_ANSWERS, ids=lambda path: path.name)
def test_render_then_check_gives_the_verdict_of_the_json(invoke: Invoke, answer: Path) -> None:
    direct = invoke("check", answer, "--repo", EXAMPLE, "--json")
    rendered = invoke("render", answer)
    assert rendered.exit_code == 0, rendered.stderr
    piped = check_stdin(rendered.stdout.encode("utf-8"), "--json")
    assert piped.exit_code == direct.exit_code, piped.stderr
    assert verdict(piped) == verdict(direct)


def test_findings_on_markdown_point_to_file_and_line(invoke: Invoke) -> None:
    answer = ANSWERS / "md-mid-1.md"
    result = invoke("check", answer, "--repo", EXAMPLE)
    assert result.exit_code == 1
    lines = answer.read_text(encoding="utf-8").splitlines()
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{answer}:21: SC201 Candidate A > spec_number:")
    assert "Spec 139" in lines[20]
    assert result.stderr.strip().endswith("need review")


def test_json_findings_on_markdown_carry_their_line(invoke: Invoke) -> None:
    answer = ANSWERS / "md-mid-1.md"
    report = json.loads(invoke("check", answer, "--repo", EXAMPLE, "--json").stdout)
    text = answer.read_text(encoding="utf-8").splitlines()
    assert report["valid"] is False
    for finding in report["violations"] + report["needs_review"]:
        assert isinstance(finding["line"], int)
        if finding["evidence"] and "…" not in finding["evidence"]:
            first_word = finding["evidence"].split()[0]
            assert first_word in text[finding["line"] - 1], finding


def test_json_findings_on_a_json_result_have_no_line(invoke: Invoke, tmp_path: Path) -> None:
    data = json.loads((ANSWERS / "mid-2.json").read_text(encoding="utf-8"))
    path = tmp_path / "mid-2.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    report = json.loads(invoke("check", path, "--repo", EXAMPLE, "--json").stdout)
    assert report["violations"] and all("line" not in v for v in report["violations"])


@pytest.mark.parametrize(
    "name",
    [
        "md-strong-1.md",
        "md-strong-2.md",
        "md-codex-terse.md",
        "md-mid-tables.md",
        "md-claude-subheadings.md",
    ],
)
def test_strong_markdown_answers_pass(invoke: Invoke, name: str) -> None:
    result = invoke("check", ANSWERS / name, "--repo", EXAMPLE)
    assert result.exit_code == 0, result.stdout
    assert "valid" in result.stderr


def test_markdown_is_told_from_its_content_not_its_name(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "answer.txt"
    path.write_bytes((ANSWERS / "md-strong-1.md").read_bytes())
    assert invoke("check", path, "--repo", EXAMPLE).exit_code == 0
    as_json = tmp_path / "answer.json"
    as_json.write_bytes((ANSWERS / "md-strong-1.md").read_bytes())
    assert invoke("check", as_json, "--repo", EXAMPLE).exit_code == 0
    json_named_md = tmp_path / "result.md"
    json_named_md.write_bytes((FIXTURES / "valid-result.json").read_bytes())
    assert invoke("check", json_named_md, "--repo", EXAMPLE).exit_code == 0


def test_windows_line_endings_read_alike(invoke: Invoke, tmp_path: Path) -> None:
    text = (ANSWERS / "md-mid-1.md").read_text(encoding="utf-8")
    path = tmp_path / "crlf.md"
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    crlf = invoke("check", path, "--repo", EXAMPLE)
    lf = invoke("check", ANSWERS / "md-mid-1.md", "--repo", EXAMPLE)
    assert crlf.exit_code == lf.exit_code == 1
    assert crlf.stdout.replace(str(path), "F") == lf.stdout.replace(
        str(ANSWERS / "md-mid-1.md"), "F"
    )


def test_standard_input_reads_markdown() -> None:
    result = check_stdin((ANSWERS / "md-mid-1.md").read_bytes())
    assert result.exit_code == 1
    assert result.stdout.startswith("-:21: SC201")
    assert result.stderr.strip().splitlines()[-1].startswith("-: invalid:")


# -- bad input: one line, an exit code, nothing on stdout -------------------------------------


def one_line(result: Result, code: int, expected: str) -> None:
    assert result.exit_code == code, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], lines
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"\n \n", "is empty"),
        (b"# Notes\n\nNo candidates here.\n", NO_CANDIDATES),
        (b"```\n## Candidate A: In a fence\n```\n", NO_CANDIDATES),
        (b"> ## Candidate A: In a quote\n", NO_CANDIDATES),
        (b"<div>\n## Candidate A: Inside HTML\n</div>\n", NO_CANDIDATES),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not UTF-8"),
        (b"## Candidate A\x00\x00: binary", "is binary, not text"),
        (b"caf\xe9 au lait\n", "is not UTF-8"),
    ],
    ids=["empty", "blank", "no-candidates", "fenced", "quoted", "html", "png", "nul", "latin-1"],
)
def test_bad_markdown_input_is_one_line(
    invoke: Invoke, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "answer.md"
    path.write_bytes(content)
    one_line(invoke("check", path, "--repo", EXAMPLE), 2, expected)
    one_line(check_stdin(content), 2, expected.replace("result file", "standard input"))


def test_no_candidate_sections_names_the_problem(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# Notes\n\nJust prose.\n", encoding="utf-8")
    result = invoke("check", path, "--repo", EXAMPLE)
    one_line(result, 2, f"result file {path} {NO_CANDIDATES}")


def candidate(letter: str, title: str) -> str:
    return f"## Candidate {letter}: {title}\n\n**Summary:** A summary of {title}.\n\n"


def test_five_candidates_are_sc101(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "five.md"
    path.write_text("".join(candidate(letter, f"Title {letter}") for letter in "ABCDE"))
    result = invoke("check", path, "--repo", EXAMPLE)
    assert result.exit_code == 1
    assert "SC101 candidates: There are 5 candidates; exactly 4 are required." in result.stdout


def test_a_candidate_twice_is_sc101(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "twice.md"
    path.write_text("".join(candidate(letter, f"Title {i}") for i, letter in enumerate("AACD")))
    result = invoke("check", path, "--repo", EXAMPLE)
    assert result.exit_code == 1
    assert f"{path}:5: SC101 Candidate B > theme" in result.stdout


def test_an_oversized_markdown_file_names_the_limit(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECRUN_MAX_RESULT_BYTES", "1000")
    path = tmp_path / "big.md"
    path.write_bytes((ANSWERS / "md-mid-1.md").read_bytes())
    one_line(invoke("check", path, "--repo", EXAMPLE), 2, "is larger than 1,000 bytes")
    one_line(check_stdin(path.read_bytes()), 2, "standard input is larger than 1,000 bytes")


def test_a_ten_megabyte_single_line_is_refused_by_the_cap(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "line.md"
    path.write_bytes(b"## Candidate A: " + b"x" * 10_000_000)
    one_line(invoke("check", path, "--repo", EXAMPLE), 2, "is larger than 5 MB")


def test_headings_nested_a_thousand_deep_are_read_within_bounds(
    invoke: Invoke, tmp_path: Path
) -> None:
    quoted = "".join(f"{'> ' * depth}## Candidate A: level {depth}\n" for depth in range(1, 1001))
    listed = "".join(f"{'  ' * depth}- ## Candidate B: level {depth}\n" for depth in range(1000))
    path = tmp_path / "deep.md"
    path.write_text(quoted + "\n" + listed + "\n" + "#" * 1000 + " Candidate C: too deep\n")
    one_line(invoke("check", path, "--repo", EXAMPLE), 2, NO_CANDIDATES)


def test_a_terminal_on_standard_input_exits_2_with_a_hint() -> None:
    primary, secondary = pty.openpty()
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "specrun", "check", "-", "--repo", str(EXAMPLE)],
            stdin=secondary,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
    finally:
        os.close(primary)
        os.close(secondary)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.strip().splitlines() == [
        "specrun: error: standard input is a terminal; pipe an answer in "
        "(specrun render result.json | specrun check -) or pass a FILE"
    ]


def test_never_ending_standard_input_is_cut_off_at_the_cap(tmp_path: Path) -> None:
    completed = subprocess.run(
        f"yes '## Candidate A: endless' | {sys.executable} -m specrun check - --repo {EXAMPLE}",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT / "src"),
            "SPECRUN_MAX_RESULT_BYTES": "100000",
        },
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.strip().splitlines() == [
        "specrun: error: standard input is larger than 100,000 bytes; pass a result written by "
        "specrun run or an agent's answer, or raise SPECRUN_MAX_RESULT_BYTES"
    ]
