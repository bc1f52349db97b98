"""Helpers the tests share: paths, fixture documents and a quiet git."""

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import Result

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tenantatlas"
FIXTURES = Path(__file__).parent / "fixtures"

Invoke = Callable[..., Result]


def load_fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        check=True,
        capture_output=True,
    )


def result_document(text: str) -> dict[str, Any]:
    """The document in a result JSON that ``run`` wrote, without the provenance it adds."""
    data: dict[str, Any] = json.loads(text)
    data.pop("provenance")
    return data
