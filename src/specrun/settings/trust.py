"""Trusted repository configs: the user's recorded consent to a repository's endpoint settings.

A target repository's ``specrun.toml`` may not decide where requests and keys go unless the user
ran ``specrun trust`` on it (compare ``direnv allow``). A trust is recorded by the file's resolved
path and the sha256 of its bytes, so any edit revokes it. Records live in
``$XDG_STATE_HOME/specrun/trusted.json`` (default ``~/.local/state/specrun/trusted.json``).
"""

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from specrun.errors import InputError
from specrun.gates.limits import DuplicateKey, TooDeep, parse_json
from specrun.gates.output import write_atomically


def trust_store(environ: Mapping[str, str]) -> Path:
    state = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "specrun" / "trusted.json"


def _records(store: Path) -> list[dict[str, str]]:
    if not store.exists():
        return []
    if not store.is_file():
        raise InputError(f"trust records {store} is not a regular file; delete it")
    try:
        data = parse_json(store.read_text(encoding="utf-8"))
        records = data["trusted"] if isinstance(data, dict) else None
        if not isinstance(records, list):
            raise TypeError("no list of trusted records")
        if not all(isinstance(r, dict) and {"path", "sha256"} <= r.keys() for r in records):
            raise ValueError("a record lacks path or sha256")
        return list(records)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        problem = str(error) if isinstance(error, TooDeep | DuplicateKey) else type(error).__name__
        raise InputError(
            f"trust records {store} cannot be read ({problem}); "
            "delete the file and trust the repositories again"
        ) from None


def is_trusted(path: Path, sha256: str, environ: Mapping[str, str]) -> bool:
    resolved = str(path.resolve())
    return any(
        r["path"] == resolved and r["sha256"] == sha256 for r in _records(trust_store(environ))
    )


def record_trust(path: Path, sha256: str, environ: Mapping[str, str]) -> Path:
    """Trust these exact bytes at this path; an older trust of the same path is replaced."""
    store = trust_store(environ)
    resolved = str(path.resolve())
    records = [r for r in _records(store) if r["path"] != resolved]
    records.append(
        {
            "path": resolved,
            "sha256": sha256,
            "trusted_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"trusted": records}, indent=2) + "\n"
        write_atomically(store, text.encode("utf-8"), replace=True, mode=0o600)
    except OSError as error:
        raise InputError(f"cannot record the trust in {store}: {error.strerror}") from None
    return store
