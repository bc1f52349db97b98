"""Writing files: checked before a model is paid, written atomically, never over a file by
accident.

``check_destination`` runs before any request, so a refused ``--out`` costs nothing.
``write_atomically`` writes a temporary file beside the target and moves it into place, so a
reader never sees half a file and an interrupted write leaves no ``.tmp`` behind. Without
``replace`` the move is a hard link, which fails when the name exists: of two runs racing to the
same new file, exactly one wins. A new file gets the mode the umask allows, a replaced file keeps
its own.
"""

import errno
import os
import stat
import tempfile
from pathlib import Path

from specrun.errors import InputError

NEW_FILE_MODE = 0o666
HARD_LINKS_UNSUPPORTED = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV})


class DestinationTaken(Exception):
    """Another writer created the file first."""


def probe_directory(directory: Path) -> str | None:
    """Why no file can be created in ``directory``, or None when one can."""
    if not directory.is_dir():
        return "is not a directory" if directory.exists() else "does not exist"
    try:
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        return f"is not writable ({error.strerror or error})"
    return None


def check_destination(path: Path, force: bool) -> None:
    """Refuse an ``--out`` that could not be written, or would clobber something unasked."""
    try:
        _check_destination(path, force)
    except OSError as error:
        raise InputError(f"cannot write --out {path} ({error.strerror or error})") from None


def _check_destination(path: Path, force: bool) -> None:
    if path.is_symlink() and not path.exists() and not force:
        raise InputError(f"--out {path} is a dangling symlink; pass --force to replace it")
    if path.is_dir():
        raise InputError(f"--out {path} is a directory; pass a file path such as {path}/result.md")
    if path.exists() and not path.is_file():
        raise InputError(f"--out {path} is not a regular file; omit --out to print the result")
    if path.exists() and not force:
        raise InputError(f"{path} already exists; pass --force to overwrite it")
    parent = path.parent
    if problem := probe_directory(parent):
        raise InputError(f"cannot write --out {path}: its directory {parent} {problem}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _target_mode(path: Path, replace: bool) -> int:
    if replace:
        try:
            return stat.S_IMODE(path.stat().st_mode)
        except OSError:
            pass
    return NEW_FILE_MODE & ~_umask()


def write_atomically(path: Path, data: bytes, *, replace: bool, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` whole or not at all. Without ``replace`` an existing file,
    even one created a moment ago by another process, raises ``DestinationTaken``."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            os.fchmod(stream.fileno(), _target_mode(path, replace) if mode is None else mode)
        if replace:
            temporary.replace(path)
        else:
            _move_exclusively(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _move_exclusively(temporary: Path, path: Path) -> None:
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise DestinationTaken(path) from None
    except OSError as error:
        if error.errno not in HARD_LINKS_UNSUPPORTED:
            raise
        # No hard links here: claim the name exclusively, then move the whole file over it.
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise DestinationTaken(path) from None
        temporary.replace(path)


def keep_elsewhere(data: bytes, preferred: Path) -> Path | None:
    """Somewhere to keep a result ``--out`` could not take: ``preferred``, else a new file in
    the system's temporary directory; None when neither can be written."""
    try:
        write_atomically(preferred, data, replace=False)
        return preferred
    except (OSError, DestinationTaken):
        pass
    try:
        descriptor, name = tempfile.mkstemp(prefix="specrun-result-", suffix=preferred.suffix)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
    except OSError:
        return None
    return Path(name)
