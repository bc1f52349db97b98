"""How much specrun reads, and reading files within that bound.

Everything specrun reads comes from places it does not control (a target repository, a result
file, a model's answer), so every read is bounded: a file is opened only when it is a regular
file (a FIFO or device could block or never end), and at most one byte more than its limit is
read to find out that it is too large. The caps are set by environment variables, which only
the user controls (a target repository cannot raise them):

    SPECRUN_MAX_RESULT_BYTES   a result given to ``check`` (a file or standard input)
                               or ``render``                                 (5 MB)
    SPECRUN_MAX_BINDING_BYTES  each binding file                             (2 MB)
    SPECRUN_MAX_PROMPT_BYTES   the whole system prompt                       (2 MB)
    SPECRUN_MAX_ANSWER_BYTES   one model answer; a larger one is unusable    (2 MB)

``context_window`` gives the context window of a model family, for the warning that a system
prompt will not fit.
"""

import errno
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from specrun.errors import InputError

MB = 1_000_000
DEFAULT_CONTEXT_WINDOW = 200_000

# Context windows in tokens, by model-name prefix; the longest matching prefix wins.
CONTEXT_WINDOWS = {
    "claude": 200_000,
    "gpt-5": 400_000,
    "gpt-4.1": 1_047_576,
    "gpt-4o": 128_000,
    "o3": 200_000,
    "o4": 200_000,
    "qwen2.5": 32_768,
    "qwen3": 40_960,
    "llama3": 128_000,
    "mistral": 32_768,
    "gemma": 128_000,
}


@dataclass(frozen=True)
class Limits:
    result_bytes: int = 5 * MB
    binding_bytes: int = 2 * MB
    prompt_bytes: int = 2 * MB
    answer_bytes: int = 2 * MB

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Limits":
        variables = {
            "result_bytes": "SPECRUN_MAX_RESULT_BYTES",
            "binding_bytes": "SPECRUN_MAX_BINDING_BYTES",
            "prompt_bytes": "SPECRUN_MAX_PROMPT_BYTES",
            "answer_bytes": "SPECRUN_MAX_ANSWER_BYTES",
        }
        return cls(
            **{
                field: _positive(variable, environ[variable])
                for field, variable in variables.items()
                if environ.get(variable)
            }
        )


def _positive(variable: str, value: str) -> int:
    try:
        number = int(value.strip(), 10) if len(value) <= 20 else 0
    except ValueError:
        number = 0
    if number < 1:
        raise InputError(f"{variable} must be a positive whole number of bytes, not {value[:40]!r}")
    return number


def size_text(size: int) -> str:
    """A byte count as people read it: '5 MB', '2.5 MB', '812 bytes'."""
    if size >= MB:
        return f"{size / MB:g} MB"
    return f"{size:,} bytes"


class TooLarge(Exception):
    """The file holds more than its limit."""


def read_regular_file(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file; ``TooLarge`` when there is more.

    The file is opened without blocking and checked after opening, so a FIFO or device put in
    place between a check and the open is refused as well. ``OSError`` (missing, unreadable,
    not a regular file) reaches the caller, which names the file.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        os.set_blocking(descriptor, True)
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0 and (chunk := os.read(descriptor, min(remaining, 1 << 20))):
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > limit:
        raise TooLarge(path)
    return data


def read_stream(stream: BinaryIO, limit: int) -> bytes:
    """At most ``limit`` bytes of a stream such as standard input; ``TooLarge`` when there is
    more, so a stream that never ends is cut off at its bound."""
    chunks: list[bytes] = []
    remaining = limit + 1
    while remaining > 0 and (chunk := stream.read(min(remaining, 1 << 20))):
        chunks.append(chunk)
        remaining -= len(chunk)
    data = b"".join(chunks)
    if len(data) > limit:
        raise TooLarge("stream")
    return data


def context_window(model: str) -> int:
    """The model's context window in tokens, from its family; 200,000 when unknown."""
    name = model.lower().rsplit("/", 1)[-1]
    matches = [prefix for prefix in CONTEXT_WINDOWS if name.startswith(prefix)]
    return CONTEXT_WINDOWS[max(matches, key=len)] if matches else DEFAULT_CONTEXT_WINDOW
