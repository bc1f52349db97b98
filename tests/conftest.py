"""Shared fixtures: the example repository, the fixture documents, the rules and the CLI."""

import copy
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from fakes import unsure_boundary
from isolation import footprint, isolate, watched, written
from support import EXAMPLE, Invoke, git, load_fixture
from typer.testing import CliRunner, Result

from specrun import rules as rule_checks
from specrun.cli import app
from specrun.context.numbering import NumberingEvidence, gather_numbering_evidence
from specrun.context.prompt_pack import PackRules, load_prompt_pack

USER_PLACES = watched(dict(os.environ))
BEFORE = footprint(USER_PLACES)
SCRATCH = tempfile.TemporaryDirectory(prefix="specrun-tests-")
isolate(Path(SCRATCH.name))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the suite if any test wrote where specrun keeps the real user's files."""
    if stray := written(BEFORE, footprint(USER_PLACES)):
        session.config.get_terminal_writer().line(
            "tests wrote outside their temporary home: " + ", ".join(stray[:5]), red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def valid_document() -> dict[str, Any]:
    return copy.deepcopy(load_fixture("valid-result.json"))


@pytest.fixture
def rules() -> PackRules:
    return load_prompt_pack("tenantpilot.spec-candidates", EXAMPLE).rules


@pytest.fixture
def uncertain() -> NumberingEvidence:
    return gather_numbering_evidence(EXAMPLE)


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A private copy of the example repository, free to break."""
    target = tmp_path / "tenantatlas"
    shutil.copytree(EXAMPLE, target)
    return target


@pytest.fixture
def git_repo(example_repo: Path) -> Path:
    """The example repository as the root of its own git work tree, with one commit."""
    git(example_repo, "init", "-q", "-b", "main")
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "-m", "example")
    return example_repo


@pytest.fixture
def invoke() -> Invoke:
    """Run the real command in-process; stdout and stderr stay apart."""

    def run(*args: str | Path) -> Result:
        return CliRunner().invoke(app, [str(arg) for arg in args])

    return run


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No test sees a real key or provider choice, and run records stay in the test's folder."""
    for variable in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "SPECRUN_PROVIDER", "SPECRUN_MODEL"):
        monkeypatch.delenv(variable, raising=False)
    for variable in ("ANTHROPIC_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "user-state"))
    runs = tmp_path / "runs"
    monkeypatch.setenv("SPECRUN_RUNS_DIR", str(runs))
    return runs


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff waits, recorded instead of slept."""
    waited: list[float] = []
    monkeypatch.setattr(time, "sleep", waited.append)
    return waited


@pytest.fixture
def unsure(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules leave Candidate D's boundary to Spec 138 for review, whatever they make of it."""
    monkeypatch.setattr(rule_checks, "CHECKS", (*rule_checks.CHECKS, unsure_boundary))
