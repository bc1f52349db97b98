"""An answer as ``specrun check`` is given it: a file or standard input, JSON or Markdown.

Both are read within ``SPECRUN_MAX_RESULT_BYTES`` (standard input too, so a stream that never
ends is cut off at the bound; a terminal is refused with a hint, since nobody types an answer).
The text must be UTF-8 and not binary. JSON or Markdown is told from the content: text that
opens with ``{`` or ``[`` is JSON; anything else is read as Markdown, unless it has no candidate
sections and is named ``*.json`` (then it is reported as broken JSON, which it most likely is).
"""

import sys
from pathlib import Path
from typing import Any, BinaryIO

from specrun.document.markdown import MarkdownAnswer, NoCandidates, read_markdown
from specrun.document.model import (
    parse_result_json,
    read_result_bytes,
    result_text,
    too_large,
)
from specrun.errors import InputError
from specrun.gates.limits import Limits, TooLarge, read_stream

STDIN = "-"
TERMINAL_HINT = (
    "standard input is a terminal; pipe an answer in (specrun render result.json | "
    "specrun check -) or pass a FILE"
)
NOT_AN_ANSWER = (
    "{name} is not a spec-candidates answer: no candidate sections found; pass a result JSON, "
    "or a Markdown answer with a heading per candidate (## Candidate A — Title)"
)


def answer_name(file: Path) -> str:
    return "standard input" if str(file) == STDIN else f"result file {file}"


def read_answer_file(
    file: Path, limits: Limits, stdin: BinaryIO | None = None
) -> dict[str, Any] | MarkdownAnswer:
    """The answer in ``file`` (``-``: standard input): a JSON object's data, or a Markdown
    answer read into the same data with its spans."""
    name = answer_name(file)
    if str(file) == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        if stream.isatty():
            raise InputError(TERMINAL_HINT)
        try:
            data = read_stream(stream, limits.result_bytes)
        except TooLarge:
            raise too_large(name, limits) from None
    else:
        data = read_result_bytes(file, limits)
    text = result_text(data, name)
    if text.lstrip()[:1] in ("{", "["):
        return parse_result_json(text, name)
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        return read_markdown(normalised)
    except NoCandidates:
        if file.suffix.lower() == ".json":
            return parse_result_json(text, name)
        raise InputError(NOT_AN_ANSWER.format(name=name)) from None
