"""Where specrun keeps what it writes for the user, outside any repository.

Run records go to ``$SPECRUN_RUNS_DIR``, else ``$XDG_STATE_HOME/specrun/runs``, else
``~/.local/state/specrun/runs``. Kept apart from the config, so that reading past runs
(``specrun runs``) loads nothing but this.
"""

from collections.abc import Mapping
from pathlib import Path


def runs_directory(environ: Mapping[str, str]) -> Path:
    if environ.get("SPECRUN_RUNS_DIR"):
        return Path(environ["SPECRUN_RUNS_DIR"])
    state = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "specrun" / "runs"
