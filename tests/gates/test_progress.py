"""The line shown while a model writes: redrawn on a terminal, one plain line anywhere else."""

import io
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import EXAMPLE, ROOT, Invoke

from specrun.gates.progress import is_live, waiting

DEMO = ROOT / "cassettes" / "anthropic-reask.yaml"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_line_redrawn_in_place_and_cleared() -> None:
    stream = Terminal()
    with waiting("attempt 1: waiting for m", stream, live=True, every=0.05):
        time.sleep(0.3)
    shown = stream.getvalue()
    assert shown.count("\rattempt 1: waiting for m … ") >= 3, "redrawn while it waits"
    assert shown.endswith("\r"), "cleared once the answer is there"
    assert "\n" not in shown and "\x1b" not in shown


def test_a_log_gets_one_line_when_the_request_starts() -> None:
    stream = io.StringIO()
    with waiting("attempt 2: waiting for m", stream, live=False, every=0.01):
        time.sleep(0.05)
    assert stream.getvalue() == "attempt 2: waiting for m …\n"


@pytest.mark.parametrize(
    ("terminal", "term", "live"), [(True, "xterm", True), (True, "dumb", False), (False, "", False)]
)
def test_only_a_real_terminal_is_live(terminal: bool, term: str, live: bool) -> None:
    stream = Terminal() if terminal else io.StringIO()
    assert is_live(stream, {"TERM": term}) is live


def test_a_replayed_run_in_a_pipe_says_when_each_request_starts(invoke: Invoke) -> None:
    result = invoke("run", "--repo", EXAMPLE, "--cassette", DEMO)
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert "attempt 1: waiting for claude-sonnet-5-5 …" in lines
    assert "attempt 2: waiting for claude-sonnet-5-5 …" in lines
    assert "judge: waiting for claude-haiku-4-5 …" in lines
    assert "\r" not in result.stderr


def test_a_run_on_a_terminal_draws_the_live_line(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    environment = {**os.environ, "TERM": "xterm", "SPECRUN_RUNS_DIR": str(tmp_path)}
    command = [
        sys.executable,
        "-m",
        "specrun",
        "run",
        "--repo",
        str(EXAMPLE),
        "--cassette",
        str(DEMO),
    ]
    with subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=follower, env=environment
    ) as process:
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    os.close(leader)
    assert process.returncode == 0
    text = shown.decode("utf-8")
    assert "\rattempt 1: waiting for claude-sonnet-5-5 … 0s" in text
    assert "attempt 1: waiting for claude-sonnet-5-5 …\r\n" not in text, "no log line on a tty"
