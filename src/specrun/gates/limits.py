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
    SPECRUN_MAX_ANSWER_BYTES   one model answer or judgement; a larger one is unusable (2 MB)
    SPECRUN_MAX_CASSETTE_BYTES         a cassette file                        (50 MB)
    SPECRUN_MAX_CASSETTE_INTERACTIONS  the requests one cassette records      (200)

A response body is read through ``inflate``, which decodes its content-encoding a chunk at a
time and stops one byte past ``Limits.body_bytes`` (twice the answer cap plus 1 MB of room for
the envelope and escapes): a small compressed body that would inflate to gigabytes is never
inflated whole, and what was read is refused as an oversized answer.

Structured text (TOML, YAML, JSON) is read by recursive parsers, so its nesting is bounded too:
``parse_nested`` turns a parser's ``RecursionError``, or a result nested deeper than
``MAX_NESTING`` levels, into ``TooDeep``, an ordinary input problem; ``scan_yaml`` walks a YAML
stream's parser events (which build nothing and do not recurse) and refuses aliases and deep
nesting before anything is loaded. ``parse_json`` is how JSON from outside is read: bounded so,
and with a key given twice in one object refused (``DuplicateKey``), since the last one would
silently win (``"status": "Rejected maybe", "status": "Proposed"``).

``context_window`` gives the context window of a model family, for the warning that a system
prompt will not fit.
"""

import errno
import json
import os
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeVar

from specrun.errors import InputError

MB = 1_000_000
MAX_NESTING = 200
T = TypeVar("T")
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
    cassette_bytes: int = 50 * MB
    cassette_interactions: int = 200

    @property
    def body_bytes(self) -> int:
        """How much of a response body is decoded: an answer at the cap, escaped, fits."""
        return 2 * self.answer_bytes + MB

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Limits":
        variables = {
            "result_bytes": "SPECRUN_MAX_RESULT_BYTES",
            "binding_bytes": "SPECRUN_MAX_BINDING_BYTES",
            "prompt_bytes": "SPECRUN_MAX_PROMPT_BYTES",
            "answer_bytes": "SPECRUN_MAX_ANSWER_BYTES",
            "cassette_bytes": "SPECRUN_MAX_CASSETTE_BYTES",
            "cassette_interactions": "SPECRUN_MAX_CASSETTE_INTERACTIONS",
        }
        return cls(
            **{
                field: _positive(variable, environ[variable])
                for field, variable in variables.items()
                if environ.get(variable)
            }
        )


DEFAULT_LIMITS = Limits()


def _positive(variable: str, value: str) -> int:
    try:
        number = int(value.strip(), 10) if len(value) <= 20 else 0
    except ValueError:
        number = 0
    if number < 1:
        unit = "" if variable.endswith("INTERACTIONS") else " of bytes"
        raise InputError(f"{variable} must be a positive whole number{unit}, not {value[:40]!r}")
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
    data = read_head(path, limit + 1)
    if len(data) > limit:
        raise TooLarge(path)
    return data


def read_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of a regular file (fewer when it is shorter), opened as
    ``read_regular_file`` opens it."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        os.set_blocking(descriptor, True)
        chunks: list[bytes] = []
        remaining = size
        while remaining > 0 and (chunk := os.read(descriptor, min(remaining, 1 << 20))):
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(descriptor)
    return b"".join(chunks)


class TooDeep(ValueError):
    """Structured text nested deeper than specrun reads."""

    def __init__(self, limit: int = MAX_NESTING) -> None:
        super().__init__(f"it is nested more than {limit} levels deep")


class YamlAlias(ValueError):
    """A YAML alias, which could expand into gigabytes once loaded."""

    def __init__(self) -> None:
        super().__init__("it uses a YAML alias (*name), which specrun does not expand")


def nesting_depth(data: object) -> int:
    """How deeply lists and mappings nest in parsed data, counted without recursion."""
    deepest = 0
    pending: list[tuple[object, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children: Iterable[object] = value.values()
        elif isinstance(value, list | tuple):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest


def parse_nested(parse: Callable[[str], T], text: str, limit: int = MAX_NESTING) -> T:
    """What a recursive parser (tomllib, json, a YAML loader) makes of the text, or
    ``TooDeep`` where it nests deeper than ``limit``: the parser running out of stack says so,
    and so does a result that fits the stack but would exhaust it later."""
    try:
        data = parse(text)
    except RecursionError:
        raise TooDeep(limit) from None
    if nesting_depth(data) > limit:
        raise TooDeep(limit)
    return data


class DuplicateKey(ValueError):
    """A JSON object that gives one key twice."""

    def __init__(self, key: str) -> None:
        self.key = key
        shown = key if len(key) <= 60 else key[:59] + "…"
        super().__init__(f"the key {shown!r} appears twice in one object")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    found: dict[str, object] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKey(key)
        found[key] = value
    return found


def parse_json(text: str, limit: int = MAX_NESTING) -> object:
    """JSON read from outside: ``TooDeep`` past ``limit`` levels, ``DuplicateKey`` for a key
    given twice in one object, ``json.JSONDecodeError`` (or another ``ValueError``, for a
    number too long to read) otherwise."""
    return parse_nested(lambda raw: json.loads(raw, object_pairs_hook=_unique_keys), text, limit)


def safe_yaml_loader() -> Any:
    """PyYAML's safe loader in C where the wheel carries libyaml (a cassette reads in a
    millisecond, not forty), else in Python; both read what vcrpy writes and the front matter
    of a prompt alike."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def yaml_events(stream: str | IO[str], limit: int = MAX_NESTING) -> Iterator[Any]:
    """The parser's events, built into nothing. libyaml refuses nesting past its own bound
    (1,000 levels, beyond every ``limit`` specrun sets) before the events get that deep; that
    refusal is ``TooDeep`` too."""
    import yaml

    try:
        yield from yaml.parse(stream, Loader=safe_yaml_loader())
    except yaml.MarkedYAMLError as error:
        if "nesting depth" in (error.problem or ""):  # "exceeded maximum nesting depth"
            raise TooDeep(limit) from None
        raise


def scan_yaml(stream: str | IO[str], limit: int = MAX_NESTING) -> None:
    """Refuses YAML with an alias (``YamlAlias``) or nested deeper than ``limit``
    (``TooDeep``), from the parser's events alone, before any loader builds it.
    ``yaml.YAMLError`` reaches the caller."""
    import yaml

    depth = 0
    for event in yaml_events(stream, limit):
        if isinstance(event, yaml.AliasEvent):
            raise YamlAlias
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > limit:
                raise TooDeep(limit)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


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


Decode = Callable[[bytes, int], bytes]


def _zlib(wbits: int) -> Decode:
    engine = zlib.decompressobj(wbits)

    def decode(data: bytes, room: int) -> bytes:
        return engine.decompress(data, room)

    return decode


def _deflate() -> Decode:
    """``deflate`` as servers send it: zlib-wrapped, or (as httpx accepts too) raw."""
    chosen: list[Decode] = []

    def decode(data: bytes, room: int) -> bytes:
        if not chosen:
            try:
                chosen.append(_zlib(zlib.MAX_WBITS))
                return chosen[0](data, room)
            except zlib.error:
                chosen[0] = _zlib(-zlib.MAX_WBITS)
        return chosen[0](data, room)

    return decode


DECODERS: dict[str, Callable[[], Decode]] = {
    "gzip": lambda: _zlib(16 + zlib.MAX_WBITS),
    "x-gzip": lambda: _zlib(16 + zlib.MAX_WBITS),
    "deflate": _deflate,
}


def decodable(content_encoding: str | None) -> bool:
    """Can ``inflate`` decode this content-encoding (none, identity, gzip or deflate)?"""
    name = (content_encoding or "identity").strip().lower()
    return name in ("", "identity") or name in DECODERS


def inflate(chunks: Iterable[bytes], content_encoding: str | None, limit: int) -> Iterator[bytes]:
    """The body in ``chunks`` decoded, ending after at most ``limit + 1`` bytes, so a caller
    sees that it is too large without it ever being inflated whole. An encoding ``decodable``
    refuses (brotli, zstd, a chain) passes undecoded; a corrupt stream ends where it breaks."""
    name = (content_encoding or "identity").strip().lower()
    decode = DECODERS[name]() if name in DECODERS else None
    room = limit + 1
    for chunk in chunks:
        if decode is None:
            data = chunk[:room]
        else:
            try:
                data = decode(chunk, room)
            except zlib.error:
                return
        room -= len(data)
        if data:
            yield data
        if room <= 0:
            return
