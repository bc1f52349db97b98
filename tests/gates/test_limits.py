"""Bounded reading and the configurable caps."""

import os
from pathlib import Path

import pytest

from specrun.errors import InputError
from specrun.gates.limits import Limits, TooLarge, context_window, read_regular_file, size_text


def test_a_file_within_its_limit_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    assert read_regular_file(path, 10) == b"x" * 10


def test_a_file_over_its_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 11)
    with pytest.raises(TooLarge):
        read_regular_file(path, 10)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        read_regular_file(fifo, 10)


def test_a_device_is_refused_without_reading_it() -> None:
    with pytest.raises(OSError, match="not a regular file"):
        read_regular_file(Path("/dev/zero"), 10)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="not a regular file"):
        read_regular_file(tmp_path, 10)


def test_limits_come_from_the_environment() -> None:
    limits = Limits.from_environ(
        {"SPECRUN_MAX_RESULT_BYTES": "100", "SPECRUN_MAX_ANSWER_BYTES": "7"}
    )
    assert limits == Limits(result_bytes=100, answer_bytes=7)
    assert Limits.from_environ({}) == Limits()


@pytest.mark.parametrize("value", ["0", "-5", "lots", "1e6", "9" * 5000])
def test_a_bad_limit_is_one_clear_error(value: str) -> None:
    with pytest.raises(InputError, match="SPECRUN_MAX_PROMPT_BYTES must be a positive whole"):
        Limits.from_environ({"SPECRUN_MAX_PROMPT_BYTES": value})


def test_sizes_read_as_people_write_them() -> None:
    assert size_text(5_000_000) == "5 MB"
    assert size_text(2_500_000) == "2.5 MB"
    assert size_text(812) == "812 bytes"


@pytest.mark.parametrize(
    ("model", "window"),
    [
        ("claude-sonnet-5-5", 200_000),
        ("gpt-4.1-mini", 1_047_576),
        ("gpt-4o", 128_000),
        ("qwen2.5:32b", 32_768),
        ("library/Qwen2.5-7B", 32_768),
        ("something-new", 200_000),
    ],
)
def test_context_windows_by_model_family(model: str, window: int) -> None:
    assert context_window(model) == window
