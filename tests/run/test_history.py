"""Past runs: listed from each record's head, shown and printed by id or unique prefix; old,
corrupt and foreign files never stop the listing."""

import json
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLE, Invoke

from specrun.context.assembly import Context, assemble_context
from specrun.context.prompt_pack import load_prompt_pack
from specrun.document.model import SpecCandidates
from specrun.providers import Answer, Usage
from specrun.rules import Violation
from specrun.run.history import (
    HEAD_BYTES,
    Listing,
    describe_run,
    find_run,
    list_runs,
    load_run,
    read_summary,
    run_result,
)
from specrun.run.reask import Attempt
from specrun.run.record import RunRecord, Status
from specrun.settings.config import Config, ModelPrice, resolve_settings

VIOLATION = Violation(
    "SC102", "Candidate A > status", "The status is not Proposed.", "Write Proposed.", "Draft"
)


@pytest.fixture
def context() -> Context:
    return assemble_context(EXAMPLE, load_prompt_pack("tenantpilot.spec-candidates", EXAMPLE))


def write_run(
    runs: Path,
    context: Context,
    name: str,
    document: dict[str, Any],
    status: Status = "valid",
    violations: tuple[Violation, ...] = (),
) -> Path:
    """A record as a run leaves it, under a chosen id."""
    config = Config(prices={"claude-sonnet-5-5": ModelPrice(input=2, output=10)})
    settings = resolve_settings(config, "built-in defaults", {})
    record = RunRecord(runs, context, settings, EXAMPLE)
    record.path = runs / f"{name}.json"
    record.begin()
    parsed = SpecCandidates.model_validate(document)
    answer = Answer(json.dumps(document), Usage(1_000, 20_000, 500, 0), "end_turn")
    record.add(Attempt(1, answer, parsed, violations, 41.5))
    record.finish(status)
    return record.path


def invalid(document: dict[str, Any]) -> dict[str, Any]:
    broken: dict[str, Any] = json.loads(json.dumps(document))
    broken["candidates"][0]["status"] = "Draft"
    return broken


def test_runs_are_listed_newest_first_from_their_heads(
    tmp_path: Path, context: Context, valid_document: dict[str, Any]
) -> None:
    write_run(tmp_path, context, "20261201T090000Z-aaaaaa", valid_document)
    write_run(tmp_path, context, "20261203T090000Z-bbbbbb", valid_document, "invalid")
    warnings: list[str] = []
    listed = list_runs(tmp_path, None, warnings.append).runs
    assert [run.id for run in listed] == ["20261203T090000Z-bbbbbb", "20261201T090000Z-aaaaaa"]
    assert warnings == []
    newest = listed[0]
    assert newest.summary.status == "invalid"
    assert (newest.summary.profile, newest.summary.model) == ("anthropic", "claude-sonnet-5-5")
    assert newest.summary.repository == str(EXAMPLE)
    assert newest.summary.tokens == 21_500
    # 1,000 input and 500 cache reads at 2, 20,000 output at 10 USD per M tokens.
    assert newest.summary.shown_cost == "$0.2030"
    assert list_runs(tmp_path, 1, warnings.append) == Listing(listed[:1], more=True)
    assert list_runs(tmp_path, 2, warnings.append) == Listing(listed, more=False)


def test_a_broken_file_past_the_limit_draws_no_warning(
    tmp_path: Path, context: Context, valid_document: dict[str, Any]
) -> None:
    write_run(tmp_path, context, "20261203T090000Z-bbbbbb", valid_document)
    (tmp_path / "20261202T090000Z-broken.json").write_text("{not json", encoding="utf-8")
    write_run(tmp_path, context, "20261201T090000Z-aaaaaa", valid_document)
    warnings: list[str] = []
    listing = list_runs(tmp_path, 1, warnings.append)
    assert ([run.id for run in listing.runs], listing.more) == (["20261203T090000Z-bbbbbb"], True)
    assert warnings == []
    assert len(list_runs(tmp_path, None, warnings.append).runs) == 2
    assert [warning.split(":")[0] for warning in warnings] == ["warning"]


def test_the_summary_is_read_from_the_head_alone(
    tmp_path: Path, context: Context, valid_document: dict[str, Any]
) -> None:
    path = write_run(tmp_path, context, "20261201T090000Z-aaaaaa", valid_document)
    data = path.read_bytes()
    assert len(data) > HEAD_BYTES
    # The head kept, the rest (the answers) destroyed: the listing does not need it.
    path.write_bytes(data[:HEAD_BYTES] + b"\x00garbage")
    assert read_summary(path).status == "valid"


def test_a_record_of_an_earlier_version_still_lists(
    tmp_path: Path, context: Context, valid_document: dict[str, Any]
) -> None:
    path = write_run(tmp_path, context, "20261201T090000Z-aaaaaa", valid_document)
    old = json.loads(path.read_text())
    for key in ("summary", "cost", "max_cost"):  # as the first records were written
        del old[key]
    for attempt in old["attempts"]:
        del attempt["cost"]
    path.write_text(json.dumps(old, indent=2))
    [listed] = list_runs(tmp_path, None, print).runs
    assert listed.summary.status == "valid"
    assert listed.summary.attempts == 1
    assert listed.summary.shown_cost == "cost not recorded"
    assert listed.summary.repository == str(EXAMPLE)
    found = find_run(tmp_path, "2026")
    lines = describe_run(found, load_run(found))
    assert "attempt 1: 41.5s, 1,000 in / 20,000 out; stop end_turn; no violations" in lines
    assert run_result(found, load_run(found))[2] is None


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{\n  "summary": {"status": "valid"', "not JSON, or cut off"),
        (b"\xff\xfe not text", "not JSON, or cut off"),
        (b'{"name": "package.json of something else"}', "not a specrun run record"),
        (b"[1, 2, 3]", "not a specrun run record"),
        (b"[" * 100_000, "not JSON, or cut off"),
    ],
)
def test_a_corrupt_or_foreign_file_is_skipped_with_one_warning(
    tmp_path: Path,
    context: Context,
    valid_document: dict[str, Any],
    content: bytes,
    problem: str,
) -> None:
    write_run(tmp_path, context, "20261201T090000Z-aaaaaa", valid_document)
    (tmp_path / "20261202T000000Z-cccccc.json").write_bytes(content)
    warnings: list[str] = []
    listed = list_runs(tmp_path, None, warnings.append).runs
    assert [run.id for run in listed] == ["20261201T090000Z-aaaaaa"]
    assert warnings == [f"warning: skipped {tmp_path / '20261202T000000Z-cccccc.json'}: {problem}"]


def test_results_kept_beside_the_records_are_not_runs(
    tmp_path: Path, context: Context, valid_document: dict[str, Any]
) -> None:
    path = write_run(tmp_path, context, "20261201T090000Z-aaaaaa", valid_document)
    path.with_suffix(".result.json").write_text(json.dumps(valid_document))
    (tmp_path / ".20261201T090000Z-aaaaaa.json.x1.tmp").write_text("{")
    warnings: list[str] = []
    assert len(list_runs(tmp_path, None, warnings.append).runs) == 1
    assert warnings == []


# Through the CLI.


@pytest.fixture
def two_runs(
    isolated_environment: Path, context: Context, valid_document: dict[str, Any]
) -> tuple[str, str]:
    valid = write_run(isolated_environment, context, "20261201T090000Z-a1b2c3", valid_document)
    failed = write_run(
        isolated_environment,
        context,
        "20261203T100000Z-d4e5f6",
        invalid(valid_document),
        "invalid",
        (VIOLATION,),
    )
    return valid.stem, failed.stem


def test_runs_lists_every_column(invoke: Invoke, two_runs: tuple[str, str]) -> None:
    valid, failed = two_runs
    result = invoke("runs")
    assert result.exit_code == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert first.startswith(f"{failed}  2026-") and second.startswith(f"{valid}  2026-")
    for column in (
        "invalid",
        "1 attempt(s)",
        "21,500 tokens",
        "$0.2030",
        "anthropic/claude-sonnet-5-5",
        "tenantpilot.spec-candidates",
        str(EXAMPLE),
        f"{failed}.json",
    ):
        assert column in first
    limited = invoke("runs", "--limit", "1")
    assert limited.stdout.splitlines() == [first]
    assert limited.stderr == "the 1 newest runs; --limit N shows more\n"
    assert invoke("runs", "--limit", "2").stderr == ""


def test_a_judgement_record_past_the_limit_is_not_a_further_run(
    invoke: Invoke, two_runs: tuple[str, str], isolated_environment: Path
) -> None:
    judged = {"specrun": "0", "command": "check --judge", "status": "valid"}
    (isolated_environment / "20261130T080000Z-0a0b0c.json").write_text(json.dumps(judged))
    limited = invoke("runs", "--limit", "2")
    assert len(limited.stdout.splitlines()) == 2
    assert limited.stderr == ""
    assert invoke("runs", "--limit", "1").stderr == "the 1 newest runs; --limit N shows more\n"


def test_runs_json_is_one_object_per_run(invoke: Invoke, two_runs: tuple[str, str]) -> None:
    result = invoke("runs", "--json")
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert [run["id"] for run in listed] == list(reversed(two_runs))
    assert listed[0]["cost"] == {"usd": 0.203, "price_unknown": []}
    assert listed[0]["usage"]["output_tokens"] == 20_000
    assert listed[0]["path"].endswith(f"{two_runs[1]}.json")


def test_runs_of_a_directory_that_does_not_exist_is_an_empty_list(
    invoke: Invoke, isolated_environment: Path
) -> None:
    result = invoke("runs")
    assert (result.exit_code, result.stdout) == (0, "")
    assert f"no runs recorded in {isolated_environment}" in result.stderr
    assert invoke("runs", "--json").stdout.strip() == "[]"
    assert not isolated_environment.exists()


def test_runs_limit_must_be_positive(invoke: Invoke) -> None:
    result = invoke("runs", "--limit", "0")
    assert result.exit_code == 2
    assert "--limit" in result.stderr


def test_runs_show_prints_attempts_violations_with_evidence(
    invoke: Invoke, two_runs: tuple[str, str]
) -> None:
    result = invoke("runs", "show", "20261203")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"run {two_runs[1]}: invalid"
    assert (
        "attempt 1: 41.5s, 1,000 in / 20,000 out, $0.2030; stop end_turn; 1 violation(s)" in lines
    )
    assert "  SC102 Candidate A > status: The status is not Proposed." in lines
    assert "    evidence: Draft" in lines
    assert lines[-1] == "usage: 21,500 tokens; cost $0.2030"


def test_runs_show_prints_what_a_targeted_reask_asked_for_and_what_its_patch_broke(
    invoke: Invoke, isolated_environment: Path, context: Context, valid_document: dict[str, Any]
) -> None:
    path = write_run(
        isolated_environment, context, "20261201T090000Z-a1b2c3", invalid(valid_document)
    )
    record = json.loads(path.read_text(encoding="utf-8"))
    broke = {"code": "SC102", "location": "Candidate A > status", "message": "Not Proposed."}
    patched = {
        **record["attempts"][0],
        "number": 2,
        "violations": [],
        "patch": {
            "asked": ["Candidate A (explicit_statements)", "the closing sections"],
            "merged": None,
            "broke": [broke],
        },
    }
    record["attempts"].append(patched)
    path.write_text(json.dumps(record), encoding="utf-8")
    lines = invoke("runs", "show", "2026").stdout.splitlines()
    at = lines.index(
        "  patch of Candidate A (explicit_statements); the closing sections: not merged"
    )
    assert lines[at - 1].startswith("attempt 2: ")
    assert lines[at + 1] == "  broke: SC102 Candidate A > status: Not Proposed."
    assert not any(line.startswith("  patch of") for line in lines[:at])


def test_runs_show_escapes_what_a_terminal_would_obey(
    invoke: Invoke, isolated_environment: Path, context: Context, valid_document: dict[str, Any]
) -> None:
    sly = Violation("SC102", "Candidate A > status", "x", "y", "Draft\x1b[2J\u202e")
    write_run(
        isolated_environment, context, "20261201T090000Z-a1b2c3", valid_document, "invalid", (sly,)
    )
    result = invoke("runs", "show", "2026")
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "    evidence: Draft\\x1b[2JU+202E" in result.stdout


@pytest.mark.parametrize(
    ("ident", "problem"),
    [
        ("2027", "no run '2027' in "),
        ("20261", "run id '20261' is ambiguous: it starts 2 runs (20261203T100000Z-d4e5f6, "),
        ("", "no run id given"),
    ],
)
def test_an_unknown_or_ambiguous_id_is_one_line_and_exit_2(
    invoke: Invoke, two_runs: tuple[str, str], ident: str, problem: str
) -> None:
    for command in ("show", "result"):
        result = invoke("runs", command, ident)
        assert result.exit_code == 2
        [line] = result.stderr.splitlines()
        assert line.startswith(f"specrun: error: {problem}")
        assert result.stdout == ""


def test_runs_result_prints_the_valid_result(
    invoke: Invoke, two_runs: tuple[str, str], valid_document: dict[str, Any]
) -> None:
    result = invoke("runs", "result", two_runs[0], "--format", "json")
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed.pop("provenance")["prompt"] == "tenantpilot.spec-candidates"
    assert printed == valid_document
    assert result.stderr == ""
    markdown = invoke("runs", "result", f"{two_runs[0]}.json")
    assert markdown.exit_code == 0
    assert markdown.stdout.startswith("#")


def test_runs_result_of_a_failed_run_prints_its_best_draft_and_exits_1(
    invoke: Invoke,
    two_runs: tuple[str, str],
    valid_document: dict[str, Any],
    isolated_environment: Path,
) -> None:
    result = invoke("runs", "result", "20261203", "--format", "json")
    assert result.exit_code == 1
    printed = json.loads(result.stdout)
    del printed["provenance"]
    assert printed == invalid(valid_document)
    [warning] = result.stderr.splitlines()
    assert warning.startswith(f"warning: {isolated_environment / two_runs[1]}.json is a run record")
    assert warning.endswith(
        "ended 'invalid': this is its best draft (attempt 1), not a valid result"
    )


def test_runs_result_of_a_run_without_a_draft_is_exit_2(
    invoke: Invoke, isolated_environment: Path, context: Context
) -> None:
    settings = resolve_settings(Config(), "built-in defaults", {})
    record = RunRecord(isolated_environment, context, settings, EXAMPLE)
    record.begin()
    record.finish("provider-failure", "the server failed")
    result = invoke("runs", "result", record.path.stem)
    assert result.exit_code == 2
    assert f"{record.path} is a run record with no usable answer" in result.stderr
    shown = invoke("runs", "show", record.path.stem)
    assert (
        shown.stdout.splitlines()[0]
        == f"run {record.path.stem}: provider-failure (the server failed)"
    )
    assert invoke("runs").stdout.count("provider-failure") == 1


def test_runs_skips_a_corrupt_record_with_one_warning(
    invoke: Invoke, two_runs: tuple[str, str], isolated_environment: Path
) -> None:
    corrupt = isolated_environment / "20261202T000000Z-cccccc.json"
    corrupt.write_text('{"summary": ')
    result = invoke("runs")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr.splitlines() == [f"warning: skipped {corrupt}: not JSON, or cut off"]
    shown = invoke("runs", "show", "20261202")
    assert shown.exit_code == 2
    assert f"{corrupt} cannot be shown: not JSON, or cut off" in shown.stderr


def test_version(invoke: Invoke) -> None:
    from specrun import __version__

    for flag in ("--version", "-V"):
        result = invoke(flag)
        assert (result.exit_code, result.stdout) == (0, f"specrun {__version__}\n")


def test_a_file_as_runs_directory_is_exit_2(invoke: Invoke, isolated_environment: Path) -> None:
    isolated_environment.write_text("not a directory")
    result = invoke("runs")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"specrun: error: the runs directory {isolated_environment} is not a directory; "
        "fix SPECRUN_RUNS_DIR"
    )


def test_a_judgement_record_is_not_a_run_and_passes_in_silence(
    tmp_path: Path, context: Context, valid_document: dict[str, Any]
) -> None:
    write_run(tmp_path, context, "20261201T090000Z-aaaaaa", valid_document)
    judgement = {"specrun": "0.1.0", "command": "check --judge", "status": "valid"}
    (tmp_path / "20261202T000000Z-cccccc.json").write_text(json.dumps(judgement, indent=2))
    warnings: list[str] = []
    assert [run.id for run in list_runs(tmp_path, None, warnings.append).runs] == [
        "20261201T090000Z-aaaaaa"
    ]
    assert warnings == []


def test_a_record_with_a_mangled_body_still_shows(
    invoke: Invoke, isolated_environment: Path, context: Context, valid_document: dict[str, Any]
) -> None:
    path = write_run(isolated_environment, context, "20261201T090000Z-a1b2c3", valid_document)
    record = json.loads(path.read_text())
    record["attempts"][0].update(
        usage={"input_tokens": "many", "output_tokens": None}, violations="x", cost=[1]
    )
    record["attempts"][0]["judge"] = {"rulings": 3, "discarded": "not a list"}
    path.write_text(json.dumps(record, indent=2))
    result = invoke("runs", "show", "2026")
    assert result.exit_code == 0, result.stderr
    assert "attempt 1: 41.5s, 0 in / 0 out; stop end_turn; no violations" in result.stdout


def test_a_deeply_nested_head_is_skipped_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "20261202T000000Z-cccccc.json").write_text('{\n  "summary": ' + "[" * 20_000)
    warnings: list[str] = []
    assert list_runs(tmp_path, None, warnings.append).runs == []
    assert warnings == [
        f"warning: skipped {tmp_path / '20261202T000000Z-cccccc.json'}: not JSON, or cut off"
    ]
