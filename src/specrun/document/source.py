"""An answer as ``specrun check`` is given it: a file or standard input, JSON or Markdown.

Both are read within ``SPECRUN_MAX_RESULT_BYTES`` (standard input too, so a stream that never
ends is cut off at the bound; a terminal is refused with a hint, since nobody types an answer).
The text must be UTF-8 and not binary. JSON or Markdown is told from the content: text that
opens with ``{`` or ``[`` is JSON; anything else is read as Markdown, unless it has no candidate
sections and is named ``*.json`` (then it is reported as broken JSON, which it most likely is).
The Markdown reader is imported only for Markdown, so checking JSON does not pay for it.

A JSON file may be a result or a run record (``specrun.run.record``); ``stored_result`` takes
the document out of either, for ``check``, ``render`` and ``runs result``.
"""

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from pydantic import ValidationError

from specrun.document.model import (
    PROVENANCE_KEY,
    Provenance,
    parse_result_json,
    read_result_bytes,
    result_text,
    too_large,
)
from specrun.errors import InputError
from specrun.gates.limits import Limits, TooLarge, read_stream

if TYPE_CHECKING:
    from specrun.document.markdown import MarkdownAnswer

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
) -> "dict[str, Any] | MarkdownAnswer":
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
    from specrun.document.markdown import NoCandidates, read_markdown

    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        return read_markdown(normalised)
    except NoCandidates:
        if file.suffix.lower() == ".json":
            return parse_result_json(text, name)
        raise InputError(NOT_AN_ANSWER.format(name=name)) from None


@dataclass(frozen=True)
class StoredResult:
    """A result document read from a file, with what it was made from, where known. ``note``
    says when the document is not a valid result (a run record's best draft)."""

    document: dict[str, Any]
    provenance: Provenance | None = None
    note: str | None = None


def is_run_record(data: dict[str, Any]) -> bool:
    return "candidates" not in data and {"specrun", "status", "attempts"} <= data.keys()


def stored_result(data: dict[str, Any], source: Path) -> StoredResult:
    """The result in a file ``render`` or ``check`` was given: a result JSON (its ``provenance``
    set apart), or a run record, whose valid result or else best draft is used."""
    if is_run_record(data):
        return _from_record(data, source)
    document = dict(data)
    provenance = _provenance(document.pop(PROVENANCE_KEY, None), source)
    return StoredResult(document, provenance)


def _provenance(value: object, source: Path) -> Provenance | None:
    if value is None:
        return None
    try:
        return Provenance.model_validate(value)
    except ValidationError as error:
        raise InputError(
            f"{source} has a malformed {PROVENANCE_KEY} ({error.error_count()} problem(s)); "
            f"remove the key or write the file again with specrun run"
        ) from None


def _from_record(record: dict[str, Any], source: Path) -> StoredResult:
    draft = record.get("best_draft")
    if not isinstance(draft, dict):
        raise InputError(
            f"{source} is a run record with no usable answer (status {record.get('status')!r}); "
            "run specrun runs show on it to see its attempts"
        )
    prompt, numbering = record.get("prompt") or {}, record.get("numbering") or {}
    try:
        provenance: Provenance | None = Provenance(
            prompt=prompt["name"],
            binding_files=record["binding_files"],
            numbering=f"{numbering['status']} ({numbering['reason']})",
        )
    except (KeyError, TypeError, ValidationError):
        provenance = None
    note = None
    if record.get("status") != "valid":
        note = (
            f"{source} is a run record of a run that ended {record.get('status')!r}: this is its "
            f"best draft (attempt {record.get('best_attempt')}), not a valid result"
        )
    return StoredResult(draft, provenance, note)
