"""``specrun run`` through the CLI: the replayed demo, output handling, and failures."""

import copy
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLE, ROOT, Invoke, result_document
from wire import Reply, ScriptedServer, SeenRequest, anthropic_json_answer

import specrun.run.runner
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
    assert (
        "patch of Candidate A (explicit_statements) and Candidate B (label, spec_number) "
        "merged; valid"
    ) in result.stderr
    assert "replayed 3 of 3 recorded interactions" in result.stderr


def test_the_demo_shows_the_judge_deciding_an_unsure_item(invoke: Invoke) -> None:
    result = invoke(*DEMO_ARGS)
    assert result.exit_code == 0, result.stderr
    assert "attempt 1: claude-sonnet-5-5" in result.stderr
    assert "2 violation(s): SC201, SC302" in result.stderr
    assert "judge: claude-haiku-4-5" in result.stderr
    assert "1 hold(s), 0 broken, 0 left for review" in result.stderr
    assert (
        "SC401 Candidate D > boundary_to_existing_specs: holds: 'this candidate hardens how the "
        "Livewire onboarding steps hold and validate state around that draft'"
    ) in result.stderr
    assert "usage over 2 attempt(s) and 1 judge call(s)" in result.stderr


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


def test_missing_key_names_the_variable(invoke: Invoke, isolated_environment: Path) -> None:
    result = invoke("run", "--repo", EXAMPLE)
    assert result.exit_code == 2
    assert "ANTHROPIC_API_KEY" in result.stderr
    assert "run record" not in result.stderr
    assert not isolated_environment.exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--provider", "nope"), "unknown provider 'nope'"),
        (("--provider", ""), "--provider names no profile; pass one of anthropic, local, openai"),
        (("--provider", " "), "--provider names no profile"),
        (("--provider", "/gpt-4.1"), "--provider names no profile"),
        (("--provider", "openai/"), "--provider openai/ names no model after the /"),
        (("--model", ""), "--model is empty; pass a model id, or leave the flag out"),
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
    if "--format" not in args:  # typer's own usage errors print the usage first
        assert len(result.stderr.strip().splitlines()) == 1


def test_bad_config_is_an_input_error(invoke: Invoke, tmp_path: Path) -> None:
    config = tmp_path / "specrun.toml"
    config.write_text('[providers.anthropic]\nkind = "anthropic"\nmodel = "m"\nbase_ulr = "x"\n')
    result = invoke("run", "--repo", EXAMPLE, "--config", config)
    assert result.exit_code == 2
    assert "providers.anthropic.base_ulr: unknown key" in result.stderr


class HangingServer(ScriptedServer):
    """Answers from its script, then holds every further request until released."""

    def __init__(self, replies: list[Reply]) -> None:
        super().__init__(replies)
        self.second_request = threading.Event()
        self.release = threading.Event()

    def _next(self, request: SeenRequest) -> Reply:
        if self.replies:
            return super()._next(request)
        self.second_request.set()
        self.release.wait(timeout=60)
        return super()._next(request)


@contextmanager
def hanging_server(replies: list[Reply]) -> Iterator[HangingServer]:
    server = HangingServer(replies)
    thread = threading.Thread(target=server._server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server._server.shutdown()
        server._server.server_close()
        thread.join(timeout=5)


class Interrupting:
    def complete(self, request: Request) -> Answer:
        raise KeyboardInterrupt


def test_ctrl_c_exits_130_and_leaves_no_partial_output(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_environment: Path
) -> None:
    def interrupting(*args: Any) -> Interrupting:
        return Interrupting()

    monkeypatch.setattr(specrun.run.runner, "build_provider", interrupting)
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


class Answering:
    """Answers each request with the next document; ``during`` runs inside the call, as
    whatever happens in the world while the model is thinking."""

    def __init__(self, *documents: dict[str, Any], during: Any = None) -> None:
        self.documents = list(documents)
        self.during = during

    def complete(self, request: Request) -> Answer:
        if self.during is not None:
            self.during()
        document = self.documents.pop(0)
        return Answer(json.dumps(document), stop_reason="end_turn")


def use(monkeypatch: pytest.MonkeyPatch, provider: object) -> None:
    monkeypatch.setattr(specrun.run.runner, "build_provider", lambda *args: provider)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "kv-fake-provider")


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_out_as_a_directory_is_refused_before_any_request(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, force: list[str]
) -> None:
    provider = Answering()
    use(monkeypatch, provider)
    result = invoke("run", "--repo", EXAMPLE, "--out", tmp_path, *force)
    assert result.exit_code == 2
    assert f"--out {tmp_path} is a directory" in result.stderr
    assert "context:" not in result.stderr


def test_out_in_a_missing_directory_is_refused_before_any_request(
    invoke: Invoke, tmp_path: Path
) -> None:
    result = invoke("run", "--repo", EXAMPLE, "--out", tmp_path / "gone" / "r.md")
    assert result.exit_code == 2
    assert f"its directory {tmp_path / 'gone'} does not exist" in result.stderr
    assert not (tmp_path / "runs").exists()


def test_a_dangling_symlink_out_needs_force(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    out.symlink_to(tmp_path / "elsewhere.md")
    result = invoke("run", "--repo", EXAMPLE, "--out", out)
    assert result.exit_code == 2
    assert "dangling symlink; pass --force" in result.stderr
    assert out.is_symlink()
    assert not (tmp_path / "elsewhere.md").exists()


def test_a_valid_result_is_kept_when_out_cannot_be_written(
    invoke: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    valid_document: dict[str, Any],
    isolated_environment: Path,
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    use(monkeypatch, Answering(valid_document, during=folder.rmdir))
    result = invoke("run", "--repo", EXAMPLE, "--out", folder / "r.json", "--format", "json")
    assert result.exit_code == 2
    [record_path] = isolated_environment.glob("*Z-??????.json")
    kept = record_path.with_suffix(".result.json")
    assert result.stderr.strip().splitlines()[-1] == (
        f"specrun: error: cannot write {folder / 'r.json'} (No such file or directory); "
        f"the valid result is kept in {kept}"
    )
    assert result_document(kept.read_text()) == valid_document
    assert json.loads(record_path.read_text())["status"] == "valid"


def test_two_runs_to_one_new_out_do_not_both_write(
    invoke: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    valid_document: dict[str, Any],
    isolated_environment: Path,
) -> None:
    out = tmp_path / "r.md"
    use(monkeypatch, Answering(valid_document, during=lambda: out.write_text("the other run")))
    result = invoke("run", "--repo", EXAMPLE, "--out", out)
    assert result.exit_code == 2
    assert f"{out} was created by someone else meanwhile; the valid result is kept in" in (
        result.stderr
    )
    assert f"wrote {out}" not in result.stderr
    assert out.read_text() == "the other run"
    [kept] = isolated_environment.glob("*.result.md")
    assert kept.read_text().startswith("# Spec candidates")


def test_the_record_exists_before_the_first_answer(
    invoke: Invoke,
    monkeypatch: pytest.MonkeyPatch,
    valid_document: dict[str, Any],
    isolated_environment: Path,
) -> None:
    seen: list[dict[str, Any]] = []

    def look() -> None:
        seen.extend(json.loads(path.read_text()) for path in isolated_environment.glob("*.json"))

    use(monkeypatch, Answering(valid_document, during=look))
    result = invoke("run", "--repo", EXAMPLE)
    assert result.exit_code == 0, result.stderr
    [early] = seen
    assert early["status"] == "running"
    assert early["attempts"] == []
    [record_path] = isolated_environment.glob("*.json")
    assert json.loads(record_path.read_text())["status"] == "valid"


def test_a_lone_surrogate_in_an_answer_is_kept_and_rendered(
    invoke: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    valid_document: dict[str, Any],
    isolated_environment: Path,
) -> None:
    valid_document["candidates"][0]["summary"] += " \ud800"
    use(monkeypatch, Answering(valid_document))
    out = tmp_path / "r.md"
    result = invoke("run", "--repo", EXAMPLE, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "\ufffd" in out.read_text(encoding="utf-8")
    [record_path] = isolated_environment.glob("*.json")
    raw = json.loads(record_path.read_bytes().decode("utf-8"))["attempts"][0]["raw"]
    assert json.loads(raw) == valid_document


def test_sigterm_is_handled_as_ctrl_c(
    tmp_path: Path, valid_document: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real process: the first answer arrives, the second request hangs, SIGTERM comes."""
    broken = copy.deepcopy(valid_document)
    broken["candidates"][0]["explicit_statements"]["livewire_public_state_untrusted"] = None
    runs = tmp_path / "runs"
    out = tmp_path / "r.md"
    with hanging_server([anthropic_json_answer(broken)]) as server:
        config = tmp_path / "loop.toml"
        config.write_text(
            'provider = "loop"\n[providers.loop]\nkind = "anthropic"\nmodel = "scripted"\n'
            f'base_url = "{server.url}"\napi_key_env = "LOOP_KEY"\n'
        )
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "specrun",
                "run",
                "--repo",
                EXAMPLE,
                "--config",
                config,
                "--out",
                out,
            ],
            env={**os.environ, "SPECRUN_RUNS_DIR": str(runs), "LOOP_KEY": "kv-sigterm"},
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.second_request.wait(timeout=60)
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=30)
        finally:
            process.kill()
            server.release.set()
    assert process.returncode == 130, stderr
    assert "specrun: interrupted; no result was written" in stderr
    [record_path] = runs.glob("*.json")
    assert f"run record: {record_path}" in stderr
    record = json.loads(record_path.read_text())
    assert record["status"] == "interrupted"
    assert json.loads(record["attempts"][0]["raw"]) == broken
    assert list(tmp_path.glob("**/*.tmp")) == []
    assert not out.exists()


def test_a_record_that_cannot_be_written_does_not_stop_a_paid_run(
    invoke: Invoke,
    monkeypatch: pytest.MonkeyPatch,
    valid_document: dict[str, Any],
    isolated_environment: Path,
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(isolated_environment.parent))
    use(monkeypatch, Answering(valid_document, during=lambda: shutil.rmtree(isolated_environment)))
    result = invoke("run", "--repo", EXAMPLE)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Spec candidates")
    assert "warning: could not write the run record" in result.stderr
    [kept] = isolated_environment.parent.glob("specrun-run-*.json")
    assert f"it is kept in {kept} instead" in result.stderr


def test_run_warns_when_the_prompt_exceeds_the_models_context_window(
    invoke: Invoke,
    example_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    valid_document: dict[str, Any],
) -> None:
    (example_repo / "specs/111-findings-workflow-sla/spec.md").write_text("word " * 200_000)
    use(monkeypatch, Answering(valid_document))
    result = invoke("run", "--repo", example_repo, "--model", "qwen2.5:7b")
    assert result.exit_code == 0, result.stderr
    assert "more than qwen2.5:7b's context window of 32,768 tokens" in result.stderr
