"""The offline commands through the real CLI: output streams, exit codes, messages."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLE, FIXTURES, ROOT, Invoke

from specrun.document import result_json_schema

VALID = FIXTURES / "valid-result.json"


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_context_summarises_files_tokens_and_numbering(invoke: Invoke) -> None:
    result = invoke("context", "--repo", EXAMPLE)
    assert result.exit_code == 0, result.stderr
    assert "specs/111-findings-workflow-sla/spec.md" in result.stdout
    assert "tokens" in result.stdout
    assert "numbering: uncertain" in result.stdout


def test_context_json_lists_each_file_with_bytes_and_sha256(invoke: Invoke) -> None:
    result = invoke("context", "--repo", EXAMPLE, "--json")
    summary = json.loads(result.stdout)
    assert len(summary["files"]) == 6
    assert set(summary["files"][0]) == {"path", "bytes", "sha256"}
    assert summary["numbering"]["status"] == "uncertain"
    assert summary["numbering"]["in_use"] == [110, 111, 134, 138]
    assert summary["token_estimate"] > 1000


def test_context_full_prints_the_system_prompt(invoke: Invoke) -> None:
    result = invoke("context", "--repo", EXAMPLE, "--full")
    assert result.stdout.startswith("You are a Senior Staff Engineer")
    assert "# Spec-numbering evidence" in result.stdout


def test_context_on_missing_repository(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("context", "--repo", tmp_path / "absent")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("specrun: error: repository")
    assert "Traceback" not in result.stderr


def test_context_without_a_value_for_repo_is_a_usage_error(invoke: Invoke) -> None:
    result = invoke("context", "--repo")
    assert result.exit_code == 2
    assert "--repo" in result.stderr


def test_context_names_every_broken_binding_file(invoke: Invoke, example_repo: Path) -> None:
    (example_repo / "specs/134-audit-log-foundation/spec.md").unlink()
    (example_repo / "specs/138-managed-tenant-onboarding-draft-identity/spec.md").write_text("")
    result = invoke("context", "--repo", example_repo)
    assert result.exit_code == 2
    assert "specs/134-audit-log-foundation/spec.md (missing)" in result.stderr
    assert "specs/138-managed-tenant-onboarding-draft-identity/spec.md (empty)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_context_with_unknown_prompt(invoke: Invoke) -> None:
    result = invoke("context", "--repo", EXAMPLE, "--prompt", "nope")
    assert result.exit_code == 2
    assert "unknown prompt 'nope'" in result.stderr


def test_check_accepts_a_valid_document(invoke: Invoke) -> None:
    result = invoke("check", VALID, "--repo", EXAMPLE)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "valid" in result.stderr


def test_check_prints_each_violation_and_exits_1(invoke: Invoke, tmp_path: Path) -> None:
    document = json.loads(VALID.read_text())
    document["candidates"][0]["explicit_statements"]["livewire_public_state_untrusted"] = None
    document["candidates"][1]["status"] = "Draft"
    result = invoke("check", write(tmp_path / "r.json", document), "--repo", EXAMPLE)
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["SC102", "SC302"]
    assert "Hint:" in lines[1]
    assert "2 violation(s)" in result.stderr


def test_check_json_reports_violations(invoke: Invoke, tmp_path: Path) -> None:
    document = json.loads(VALID.read_text())
    document["candidates"][2]["implementation_priority"] = "Low"
    result = invoke("check", write(tmp_path / "r.json", document), "--repo", EXAMPLE, "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert report["valid"] is False
    assert report["violations"][0] == {
        "code": "SC105",
        "location": "Candidate C > implementation_priority",
        "message": "'Low' is not one of Critical, High, Medium.",
        "evidence": "",
        "hint": "Choose exactly one of: Critical, High, Medium.",
    }


def test_check_reports_wrong_shape_as_violations(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("check", write(tmp_path / "r.json", {"candidates": "four"}), "--repo", EXAMPLE)
    assert result.exit_code == 1
    assert "SC104 candidates" in result.stdout
    assert "SC104 closing sections > start_first: The item is missing." in result.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [("", "is empty"), ("not json at all", "is not JSON"), ('"a string"', "not a result object")],
    ids=["empty", "not-json", "json-string"],
)
def test_check_rejects_unreadable_input(
    invoke: Invoke, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "r.json"
    path.write_text(content)
    result = invoke("check", path, "--repo", EXAMPLE)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert result.stdout == ""


def test_check_of_a_missing_file(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("check", tmp_path / "absent.json")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_render_prints_markdown(invoke: Invoke) -> None:
    result = invoke("render", VALID)
    assert result.exit_code == 0
    assert result.stdout.startswith("# Spec candidates")
    assert "## D. Numbering strategy" in result.stdout


def test_render_json_round_trips(invoke: Invoke) -> None:
    result = invoke("render", VALID, "--format", "json")
    assert json.loads(result.stdout) == json.loads(VALID.read_text())


def test_render_refuses_a_document_that_does_not_fit_the_schema(
    invoke: Invoke, tmp_path: Path
) -> None:
    result = invoke("render", write(tmp_path / "r.json", {"candidates": []}))
    assert result.exit_code == 2
    assert "does not match the result schema" in result.stderr
    assert "specrun check" in result.stderr
    assert result.stdout == ""


def test_render_with_an_unknown_format_is_a_usage_error(invoke: Invoke) -> None:
    result = invoke("render", VALID, "--format", "html")
    assert result.exit_code == 2


def test_schema_prints_the_shipped_schema(invoke: Invoke) -> None:
    result = invoke("schema")
    assert json.loads(result.stdout) == result_json_schema()
    assert result.stdout == (ROOT / "schemas" / "spec-candidates.schema.json").read_text()


def test_debug_shows_the_traceback(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("--debug", "check", tmp_path / "absent.json")
    assert result.exit_code == 2
    assert "Traceback" in result.stderr


def test_offline_commands_never_import_a_provider_sdk() -> None:
    probe = (
        "import sys; from specrun.cli import app\n"
        "for argv in (['--help'], ['schema'], ['context', '--repo', sys.argv[1]],"
        " ['check', sys.argv[2], '--repo', sys.argv[1]], ['render', sys.argv[2]],"
        " ['trust', '--repo', sys.argv[1]]):\n"
        "    try: app(argv)\n"
        "    except SystemExit: pass\n"
        "loaded = {'openai', 'anthropic', 'instructor', 'httpx', 'httpx2'} & set(sys.modules)\n"
        "print(sorted(loaded), file=sys.stderr)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe, str(EXAMPLE), str(VALID)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stderr.strip().splitlines()[-1] == "[]"
