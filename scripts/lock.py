"""Rewrite ``constraints/locked.txt``: what a fresh install of ``.[dev]`` resolves to today.

The README's test command installs exactly these versions, so a fresh clone is green on any
day; CI also runs the suite on the newest releases and on the lowest (``constraints/lowest.txt``).
Run it after changing a dependency, then run ``bash .ci/run`` before committing the lock.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = (
    "# The versions CI proved: the README's test command installs exactly these.\n"
    "# Regenerate after a dependency change: python3 scripts/lock.py\n"
)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        venv = Path(scratch) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = str(venv / "bin" / "pip")
        subprocess.run([pip, "install", "-q", "-e", f"{ROOT}[dev]"], check=True)
        frozen = subprocess.run(
            [pip, "freeze", "--exclude-editable"], check=True, capture_output=True, text=True
        ).stdout
    (ROOT / "constraints" / "locked.txt").write_text(HEADER + frozen, encoding="utf-8")


if __name__ == "__main__":
    main()
