"""Writing results: atomically, and never over an existing file unless forced."""

import os
import tempfile
from pathlib import Path

from specrun.errors import InputError


def refuse_existing(path: Path, force: bool) -> None:
    """Checked before any model call, so a refusal costs nothing."""
    if path.exists() and not force:
        raise InputError(f"{path} already exists; pass --force to overwrite it")
    if not path.parent.is_dir():
        raise InputError(f"cannot write {path}: {path.parent} is not a directory")


def write_atomically(path: Path, text: str) -> None:
    """A temporary file beside the target, renamed over it: readers never see half a file."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
