"""``specrun run`` through the CLI: the replayed demo, output handling, and failures."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLE, ROOT, Invoke

import specrun.runner
from specrun.providers import Answer, Request

DEMO = ROOT / "cassettes" / "anthropic-reask.yaml"
DEMO_ARGS = ("run", "--repo", EXAMPLE, "--cassette", DEMO)


def test_the_demo_replays_the_reask_and_prints_markdown(invoke: Invoke) -> None:
    result = invoke(*DEMO_ARGS)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Spec candidates")
    assert "Numbering: uncertain" in result.stdout
    assert "attempt 1: claude-sonnet-5-5" in result.stderr
    assert "SC302 Candidate A > explicit_statements" in result.stderr
    assert "re-asking" in result.stderr
    assert "attempt 2: claude-sonnet-5-5" in result.stderr
    assert "replayed 2 of 2 recorded interactions" in result.stderr


def test_json_goes_to_stdout_and_progress_to_stderr(invoke: Invoke) -> None:
    result = invoke(*DEMO_ARGS, "--format", "json")
    assert json.loads(result.stdout)["candidates"][0]["label"] == "Candidate A"
    assert "attempt" not in result.stdout


def test_out_is_written_whole_and_nothing_goes_to_stdout(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "candidates.md"
    result = invoke(*DEMO_ARGS, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert out.read_text().startswith("# Spec candidates")
    assert [path.name for path in tmp_path.iterdir() if path.name != "runs"] == [out.name]


def test_existing_out_is_refused_before_anything_else(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "candidates.md"
    out.write_text("keep me")
    result = invoke("run", "--repo", EXAMPLE, "--out", out)
    assert result.exit_code == 2
    assert "already exists; pass --force" in result.stderr
    assert "context:" not in result.stderr
    assert out.read_text() == "keep me"


def test_force_overwrites_out(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "candidates.json"
    out.write_text("old")
    result = invoke(*DEMO_ARGS, "--out", out, "--force", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text())["start_first"]["candidate"] == "Candidate A"


def test_exhausted_replay_exits_1_and_writes_nothing(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "candidates.md"
    cassette = ROOT / "cassettes" / "anthropic-exhausted.yaml"
    result = invoke("run", "--repo", EXAMPLE, "--cassette", cassette, "--out", out)
    assert result.exit_code == 1
    assert "no valid result after 3 attempt(s)" in result.stderr
    assert not out.exists()


def test_missing_key_names_the_variable(invoke: Invoke) -> None:
    result = invoke("run", "--repo", EXAMPLE)
    assert result.exit_code == 2
    assert "ANTHROPIC_API_KEY" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--provider", "nope"), "unknown provider 'nope'"),
        (("--max-attempts", "0"), "at least 1"),
        (("--format", "html"), "html"),
    ],
)
def test_bad_run_options_are_usage_errors(
    invoke: Invoke, args: tuple[str, ...], expected: str
) -> None:
    result = invoke("run", "--repo", EXAMPLE, *args)
    assert result.exit_code == 2
    assert expected in result.stderr


def test_bad_config_is_an_input_error(invoke: Invoke, tmp_path: Path) -> None:
    config = tmp_path / "specrun.toml"
    config.write_text('[providers.anthropic]\nkind = "anthropic"\nmodel = "m"\nbase_ulr = "x"\n')
    result = invoke("run", "--repo", EXAMPLE, "--config", config)
    assert result.exit_code == 2
    assert "providers.anthropic.base_ulr: unknown key" in result.stderr


class Interrupting:
    def complete(self, request: Request) -> Answer:
        raise KeyboardInterrupt


def test_ctrl_c_exits_130_and_leaves_no_partial_output(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_environment: Path
) -> None:
    def interrupting(*args: Any) -> Interrupting:
        return Interrupting()

    monkeypatch.setattr(specrun.runner, "build_provider", interrupting)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "kv-interrupt-check")
    out = tmp_path / "candidates.md"
    result = invoke("run", "--repo", EXAMPLE, "--out", out)
    assert result.exit_code == 130
    assert "interrupted; no result was written" in result.stderr
    assert not out.exists()
    [record_path] = isolated_environment.glob("*.json")
    assert f"run record: {record_path}" in result.stderr
    assert json.loads(record_path.read_text())["status"] == "interrupted"
    assert "kv-interrupt-check" not in result.stderr


def test_the_real_command_replays_the_demo_in_a_subprocess(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "specrun", *map(str, DEMO_ARGS), "--format", "json"],
        capture_output=True,
        text=True,
        env={"PATH": "", "SPECRUN_RUNS_DIR": str(tmp_path)},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["numbering_strategy"]
    [record] = tmp_path.glob("*.json")
    assert json.loads(record.read_text())["status"] == "valid"
