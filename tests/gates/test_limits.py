"""Bounded reading and the configurable caps."""

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from support import EXAMPLE, FIXTURES, ROOT, Invoke
from typer.testing import Result

from specrun.errors import InputError
from specrun.gates.limits import (
    MAX_NESTING,
    Limits,
    TooDeep,
    TooLarge,
    YamlAlias,
    context_window,
    nesting_depth,
    parse_nested,
    read_regular_file,
    safe_yaml_loader,
    scan_yaml,
    size_text,
)

RULES = ROOT / "prompts" / "tenantpilot.spec-candidates.rules.toml"


def test_a_file_within_its_limit_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    assert read_regular_file(path, 10) == b"x" * 10


def test_a_file_over_its_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 11)
    with pytest.raises(TooLarge):
        read_regular_file(path, 10)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        read_regular_file(fifo, 10)


def test_a_device_is_refused_without_reading_it() -> None:
    with pytest.raises(OSError, match="not a regular file"):
        read_regular_file(Path("/dev/zero"), 10)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="not a regular file"):
        read_regular_file(tmp_path, 10)


def test_limits_come_from_the_environment() -> None:
    limits = Limits.from_environ(
        {"SPECRUN_MAX_RESULT_BYTES": "100", "SPECRUN_MAX_ANSWER_BYTES": "7"}
    )
    assert limits == Limits(result_bytes=100, answer_bytes=7)
    assert Limits.from_environ({}) == Limits()


@pytest.mark.parametrize("value", ["0", "-5", "lots", "1e6", "9" * 5000])
def test_a_bad_limit_is_one_clear_error(value: str) -> None:
    with pytest.raises(InputError, match="SPECRUN_MAX_PROMPT_BYTES must be a positive whole"):
        Limits.from_environ({"SPECRUN_MAX_PROMPT_BYTES": value})


def test_sizes_read_as_people_write_them() -> None:
    assert size_text(5_000_000) == "5 MB"
    assert size_text(2_500_000) == "2.5 MB"
    assert size_text(812) == "812 bytes"


@pytest.mark.parametrize(
    ("model", "window"),
    [
        ("claude-sonnet-5-5", 200_000),
        ("gpt-4.1-mini", 1_047_576),
        ("gpt-4o", 128_000),
        ("qwen2.5:32b", 32_768),
        ("library/Qwen2.5-7B", 32_768),
        ("something-new", 200_000),
    ],
)
def test_context_windows_by_model_family(model: str, window: int) -> None:
    assert context_window(model) == window


DEEP = 5_000
DEEP_TOML = "x = " + "[" * DEEP + "]" * DEEP + "\n"
NESTED = f"nested more than {MAX_NESTING} levels deep"


def one_line_exit_2(result: Result, *expected: str) -> None:
    """Exit 2 with one error line (after the run's opening line, where there is one)."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("specrun: error: ")
    for text in expected:
        assert text in lines[-1]
    assert sum("error" in line for line in lines) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "text",
    [DEEP_TOML, "a" + ".a" * DEEP + " = 1\n", "[" + "a." * DEEP + "a]\nx = 1\n"],
    ids=["arrays", "dotted-keys", "table-header"],
)
def test_a_deeply_nested_repository_config_is_an_input_error(
    invoke: Invoke, example_repo: Path, text: str
) -> None:
    (example_repo / "specrun.toml").write_text(text)
    result = invoke("trust", "--repo", example_repo)
    one_line_exit_2(result, f"config file {example_repo}/specrun.toml cannot be read", NESTED)
    assert not (Path(os.environ["XDG_STATE_HOME"]) / "specrun" / "trusted.json").exists()


def test_a_deeply_nested_user_config_is_an_input_error(invoke: Invoke, example_repo: Path) -> None:
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "specrun" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text("[judge]\nmodel = " + "{ a = " * DEEP + "1" + " }" * DEEP + "\n")
    result = invoke("run", "--repo", example_repo)
    one_line_exit_2(result, f"config file {user} cannot be read", NESTED)


def test_deeply_nested_trust_records_are_an_input_error(invoke: Invoke, example_repo: Path) -> None:
    store = Path(os.environ["XDG_STATE_HOME"]) / "specrun" / "trusted.json"
    store.parent.mkdir(parents=True)
    store.write_text('{"trusted": ' + "[" * DEEP + "]" * DEEP + "}")
    (example_repo / "specrun.toml").write_text("max_attempts = 2\n")
    result = invoke("trust", "--repo", example_repo)
    one_line_exit_2(result, f"trust records {store} cannot be read", NESTED)


def test_a_deeply_nested_rules_file_is_an_input_error(invoke: Invoke, example_repo: Path) -> None:
    prompts = example_repo / ".codex" / "prompts"
    prompts.mkdir(parents=True)
    (prompts / "mine.md").write_text("Write the candidates.\n")
    (prompts / "mine.rules.toml").write_text(DEEP_TOML)
    result = invoke(
        "check", FIXTURES / "valid-result.json", "--repo", example_repo, "--prompt", "mine"
    )
    one_line_exit_2(result, f"rules data {prompts}/mine.rules.toml is malformed", NESTED)
    assert result.stdout == ""


@pytest.mark.parametrize(
    "header",
    [
        "x: " + "[" * DEEP + "]" * DEEP,
        "x:\n" + "- " * DEEP + "1",
        "x: " + "{a: " * DEEP + "}" * DEEP,
    ],
    ids=["flow-lists", "block-lists", "flow-maps"],
)
def test_deeply_nested_front_matter_is_an_input_error(
    invoke: Invoke, tmp_path: Path, header: str
) -> None:
    prompt = tmp_path / "mine.md"
    prompt.write_text(f"---\n{header}\n---\nWrite the candidates.\n")
    shutil.copy(RULES, tmp_path / "mine.rules.toml")
    result = invoke("context", "--repo", EXAMPLE, "--prompt", prompt)
    one_line_exit_2(result, f"prompt file {prompt} has malformed front matter", NESTED)
    assert result.stdout == ""


@pytest.mark.parametrize(
    "text", ["interactions:\n" + "- " * DEEP + "x\n", "interactions: " + "[" * DEEP + "]" * DEEP]
)
def test_a_deeply_nested_cassette_is_an_input_error(
    invoke: Invoke, tmp_path: Path, text: str
) -> None:
    cassette = tmp_path / "deep.yaml"
    cassette.write_text(text)
    result = invoke("run", "--repo", EXAMPLE, "--cassette", cassette)
    one_line_exit_2(result, f"cassette {cassette} is {NESTED}")
    assert result.stdout == ""


def test_a_deeply_nested_result_file_is_an_input_error(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"candidates": ' + "[" * DEEP + "]" * DEEP + "}")
    result = invoke("check", path)
    one_line_exit_2(result, f"result file {path} is nested too deeply")


def test_nesting_depth_counts_containers() -> None:
    assert nesting_depth(1) == 0
    assert nesting_depth({"a": [1, {"b": []}]}) == 4


def test_nesting_at_the_bound_is_read() -> None:
    assert parse_nested(json.loads, "[" * MAX_NESTING + "]" * MAX_NESTING) == nest(MAX_NESTING)
    scan_yaml("[" * MAX_NESTING + "]" * MAX_NESTING)
    with pytest.raises(TooDeep):
        parse_nested(json.loads, "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1))
    with pytest.raises(TooDeep):
        scan_yaml("[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1))


@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "pure-python"])
def test_yaml_is_scanned_alike_with_or_without_libyaml(
    monkeypatch: pytest.MonkeyPatch, libyaml: bool
) -> None:
    """libyaml refuses nesting past 1,000 levels itself; the Python parser leaves it to the
    count. Either way: ``TooDeep`` past the bound, an alias refused, the same values."""
    if not libyaml:
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("this PyYAML was built without libyaml")
    assert (safe_yaml_loader() is yaml.SafeLoader) is not libyaml
    for depth in (MAX_NESTING + 1, DEEP):
        with pytest.raises(TooDeep):
            scan_yaml("[" * depth + "]" * depth)
    with pytest.raises(YamlAlias):
        scan_yaml("a: &x [1]\nb: *x\n")
    assert yaml.load("a: [1, {b: c}]", Loader=safe_yaml_loader()) == {"a": [1, {"b": "c"}]}


def nest(depth: int) -> object:
    value: list[object] = []
    for _ in range(depth - 1):
        value = [value]
    return value
