"""Spec-numbering evidence: which spec numbers the target repository already uses.

Numbers come from ``specs/NNN-*`` directories and, where the repository root is itself the root
of a git work tree, from local and remote-tracking branch names ``NNN-*`` (spec-kit's
convention), also behind a prefix such as ``feature/139-x`` or ``user/139-x``: the number is
read after the last ``/``. A number is a run of three or more ASCII digits, as spec-kit pads
them, of any length (``0139-x`` and ``1000-x`` use 139 and 1000; Arabic-Indic, full-width or
NKo digits are not spec numbers), optionally followed by letters (``139a-x`` uses 139), then
``-`` or the end of the name; counting a doubtful name as in use only moves the available
numbers up, never onto one in use. Only remote-tracking branches show what other people have in
flight, so only with them is the evidence ``proven``; the four numbers after the highest in use
are then available.
"""

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from specrun.errors import InputError

SPEC_NUMBER = re.compile(r"^([0-9]{3,})[A-Za-z]*(?:-|$)")
AVAILABLE_COUNT = 4

GIT_TIMEOUT = 10.0


@dataclass(frozen=True)
class NumberingEvidence:
    status: Literal["proven", "uncertain"]
    in_use: tuple[int, ...]
    available: tuple[int, ...]
    sources: tuple[str, ...]
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "in_use": list(self.in_use),
            "available": list(self.available),
            "sources": list(self.sources),
            "reason": self.reason,
        }


def listing(numbers: tuple[int, ...] | list[int], empty: str = "none") -> str:
    """Spec numbers as people write them: '110, 111, 134'."""
    return ", ".join(f"{number:03d}" for number in numbers) or empty


def _numbers(names: list[str]) -> set[int]:
    """``139-x``, ``0139-x``, ``139a-x``, ``feature/139-x`` and ``user/spec/139-x`` all use
    139."""
    return {
        int(match.group(1))
        for name in names
        if (match := SPEC_NUMBER.match(name.rpartition("/")[2]))
    }


def _spec_directory_names(repo: Path) -> list[str]:
    specs = repo / "specs"
    if not specs.is_dir():
        return []
    try:
        return [entry.name for entry in specs.iterdir() if entry.is_dir()]
    except OSError as error:
        raise InputError(
            f"cannot read the spec directory {specs} ({error.strerror or error}); "
            "make it readable, since the numbering evidence comes from it"
        ) from None


def _git(repo: Path, *args: str) -> str | None:
    """git's answer, or None when it fails or does not answer in ``GIT_TIMEOUT`` seconds (a
    hostile repository can make it wait forever, e.g. with a FIFO as ``.git/packed-refs``); no
    answer leaves the evidence ``uncertain``."""
    try:
        completed = subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=GIT_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout if completed.returncode == 0 else None


def _is_git_root(repo: Path) -> bool:
    """A repository nested inside another work tree is not its own root."""
    if not (repo / ".git").exists():
        return False
    toplevel = _git(repo, "rev-parse", "--show-toplevel")
    return toplevel is not None and Path(toplevel.strip()).resolve() == repo.resolve()


def _branch_names(repo: Path) -> tuple[list[str], list[str]]:
    """Local and remote-tracking branch names, the remote's name stripped from the latter."""
    listing = _git(repo, "for-each-ref", "--format=%(refname)", "refs/heads", "refs/remotes")
    local: list[str] = []
    remote: list[str] = []
    for ref in (listing or "").splitlines():
        if ref.startswith("refs/heads/"):
            local.append(ref.removeprefix("refs/heads/"))
        elif ref.startswith("refs/remotes/") and not ref.endswith("/HEAD"):
            remote.append(ref.removeprefix("refs/remotes/").split("/", 1)[-1])
    return local, remote


def gather_numbering_evidence(repo: Path) -> NumberingEvidence:
    in_use = _numbers(_spec_directory_names(repo))
    sources = ["specs/ directories"]
    if not _is_git_root(repo):
        reason = "the repository root is not a git work tree, so in-flight branches are unknown"
        return NumberingEvidence("uncertain", tuple(sorted(in_use)), (), tuple(sources), reason)
    local, remote = _branch_names(repo)
    in_use |= _numbers(local) | _numbers(remote)
    sources.append("local branches")
    if not remote:
        reason = "no remote-tracking branches, so other people's in-flight specs are unknown"
        return NumberingEvidence("uncertain", tuple(sorted(in_use)), (), tuple(sources), reason)
    sources.append("remote-tracking branches")
    highest = max(in_use, default=0)
    available = tuple(range(highest + 1, highest + 1 + AVAILABLE_COUNT))
    reason = f"the {AVAILABLE_COUNT} numbers after the highest in use ({highest:03d})"
    return NumberingEvidence("proven", tuple(sorted(in_use)), available, tuple(sources), reason)
