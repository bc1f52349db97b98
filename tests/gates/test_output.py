"""Writing results: destinations checked up front, atomic writes, exclusive creation, modes."""

import os
import stat
import tempfile
import threading
from pathlib import Path

import pytest

from specrun.errors import InputError
from specrun.gates.output import (
    DestinationTaken,
    check_destination,
    keep_elsewhere,
    probe_directory,
    write_atomically,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_destination_in_a_writable_directory_passes(tmp_path: Path) -> None:
    check_destination(tmp_path / "new.md", force=False)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "out.md"
    out.write_text("keep")
    with pytest.raises(InputError, match="already exists; pass --force"):
        check_destination(out, force=False)
    check_destination(out, force=True)


@pytest.mark.parametrize("force", [False, True])
def test_a_directory_is_refused_even_with_force(tmp_path: Path, force: bool) -> None:
    with pytest.raises(InputError, match="is a directory; pass a file path"):
        check_destination(tmp_path, force)


def test_a_dangling_symlink_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "out.md"
    out.symlink_to(tmp_path / "nowhere")
    with pytest.raises(InputError, match="dangling symlink; pass --force"):
        check_destination(out, force=False)
    check_destination(out, force=True)


def test_a_fifo_destination_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        check_destination(fifo, force=True)


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"its directory .*/gone does not exist"):
        check_destination(tmp_path / "gone" / "out.md", force=False)


def test_a_file_as_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is not a directory"):
        check_destination(tmp_path / "file" / "out.md", force=False)


def test_an_unwritable_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated: root ignores permission bits, so the probe's open is made to fail."""

    def denied(**kwargs: object) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", denied)
    with pytest.raises(InputError, match=r"is not writable \(Permission denied\)"):
        check_destination(tmp_path / "out.md", force=False)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert probe_directory(folder) is not None
    finally:
        folder.chmod(0o700)


def test_new_files_get_the_umask_mode(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_atomically(tmp_path / "a", b"a", replace=False)
        os.umask(0o077)
        write_atomically(tmp_path / "b", b"b", replace=False)
    finally:
        os.umask(previous)
    assert mode(tmp_path / "a") == 0o644
    assert mode(tmp_path / "b") == 0o600


def test_replacing_keeps_the_existing_mode(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("old")
    out.chmod(0o640)
    write_atomically(out, b"new", replace=True)
    assert out.read_bytes() == b"new"
    assert mode(out) == 0o640


def test_an_explicit_mode_wins(tmp_path: Path) -> None:
    write_atomically(tmp_path / "record", b"{}", replace=True, mode=0o600)
    assert mode(tmp_path / "record") == 0o600


def test_the_second_of_two_writers_to_a_new_file_loses(tmp_path: Path) -> None:
    """Both passed the check while the file did not exist; only one may say it wrote."""
    out = tmp_path / "out.md"
    check_destination(out, force=False)
    write_atomically(out, b"first", replace=False)
    with pytest.raises(DestinationTaken):
        write_atomically(out, b"second", replace=False)
    assert out.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]


def test_concurrent_writers_to_a_new_file_one_wins(tmp_path: Path) -> None:
    out = tmp_path / "out.md"
    start = threading.Barrier(8)
    won: list[bytes] = []

    def writer(data: bytes) -> None:
        start.wait()
        try:
            write_atomically(out, data, replace=False)
            won.append(data)
        except DestinationTaken:
            pass

    threads = [threading.Thread(target=writer, args=(bytes([65 + n]) * 1000,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert out.read_bytes() == won[0]
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]


def test_without_hard_links_creation_is_still_exclusive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unsupported(source: object, target: object) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", unsupported)
    out = tmp_path / "out.md"
    write_atomically(out, b"first", replace=False)
    with pytest.raises(DestinationTaken):
        write_atomically(out, b"second", replace=False)
    assert out.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]


def test_an_interrupted_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(source: object, target: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "link", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "out.md", b"data", replace=False)
    assert list(tmp_path.iterdir()) == []


def test_a_result_is_kept_at_the_preferred_place(tmp_path: Path) -> None:
    kept = keep_elsewhere(b"result", tmp_path / "run.result.md")
    assert kept == tmp_path / "run.result.md"
    assert kept.read_bytes() == b"result"


def test_a_result_falls_back_to_the_temporary_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    kept = keep_elsewhere(b"result", tmp_path / "missing" / "run.result.md")
    assert kept is not None
    assert kept.parent == tmp_path
    assert kept.name.startswith("specrun-result-")
    assert kept.read_bytes() == b"result"


def test_nowhere_to_keep_a_result_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing-too"))
    assert keep_elsewhere(b"result", tmp_path / "missing" / "run.result.md") is None


def test_a_destination_that_cannot_be_inspected_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(path: Path) -> bool:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "is_symlink", denied)
    with pytest.raises(InputError, match=r"cannot write --out .* \(Permission denied\)"):
        check_destination(tmp_path / "out.md", force=False)
