"""The suite leaves the user's machine alone: every test runs with a home of its own.

``isolate`` points ``HOME``, the XDG directories and ``SPECRUN_RUNS_DIR`` into a temporary
directory before any test runs; ``footprint`` lists what specrun could write under the user's
real home, so the session can fail when that changed.
"""

import os
from pathlib import Path

ISOLATED = ("HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "SPECRUN_RUNS_DIR")


def watched(environ: dict[str, str]) -> list[Path]:
    """Where specrun writes for the user described by ``environ``."""
    home = Path(environ.get("HOME", "~")).expanduser()
    state = Path(environ.get("XDG_STATE_HOME") or home / ".local" / "state")
    config = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    places = [state / "specrun", config / "specrun"]
    if runs := environ.get("SPECRUN_RUNS_DIR"):
        places.append(Path(runs))
    return places


def footprint(places: list[Path]) -> dict[str, int]:
    """Every file under ``places`` with its modification time in nanoseconds."""
    found: dict[str, int] = {}
    for place in places:
        if place.is_dir():
            for path in place.rglob("*"):
                if not path.is_dir():
                    found[str(path)] = path.lstat().st_mtime_ns
    return found


def written(before: dict[str, int], after: dict[str, int]) -> list[str]:
    """The files created or changed between two footprints."""
    return sorted(path for path, stamp in after.items() if before.get(path) != stamp)


def isolate(scratch: Path) -> None:
    for name in ISOLATED:
        place = scratch / name.lower()
        place.mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(place)
