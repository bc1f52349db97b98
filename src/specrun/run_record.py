"""Run records: what one ``specrun run`` sent, got and decided, kept as JSON.

Every run leaves one, valid or not: the context it was given (binding files with sha256,
numbering evidence), the profile it used (never a key), every raw answer with its stop reason,
usage and violations (schema breaches included, with their locations), and the best draft.
Records go to ``$SPECRUN_RUNS_DIR``, else ``$XDG_STATE_HOME/specrun/runs``, else
``~/.local/state/specrun/runs``.
"""

import json
import secrets
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from specrun import __version__
from specrun.config import Settings, endpoint_url
from specrun.context import Context
from specrun.output import write_atomically
from specrun.reask import Attempt, Outcome


def runs_directory(environ: Mapping[str, str]) -> Path:
    if environ.get("SPECRUN_RUNS_DIR"):
        return Path(environ["SPECRUN_RUNS_DIR"])
    state = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "specrun" / "runs"


def _attempt(attempt: Attempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "seconds": round(attempt.seconds, 3),
        "usage": asdict(attempt.answer.usage),
        "stop_reason": attempt.answer.stop_reason,
        "violations": [violation.as_dict() for violation in attempt.violations],
        "raw": attempt.answer.raw,
    }


def build_record(context: Context, settings: Settings, outcome: Outcome) -> dict[str, Any]:
    best = outcome.best
    profile = settings.profile
    return {
        "specrun": __version__,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "outcome": "valid" if outcome.document is not None else "invalid",
        "prompt": {"name": context.pack.name, "source": str(context.pack.source)},
        "binding_files": [{"path": f.path, "sha256": f.sha256} for f in context.files],
        "numbering": context.numbering.as_dict(),
        "provider": {
            "profile": settings.profile_name,
            "kind": profile.kind,
            "model": profile.model,
            "base_url": endpoint_url(profile),
            "config": settings.source,
        },
        "max_attempts": settings.max_attempts,
        "usage": asdict(outcome.usage),
        "best_attempt": best.number,
        "best_draft": best.document.model_dump() if best.document else None,
        "attempts": [_attempt(attempt) for attempt in outcome.attempts],
    }


def write_run_record(directory: Path, record: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{stamp}-{secrets.token_hex(3)}.json"
    write_atomically(path, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return path
