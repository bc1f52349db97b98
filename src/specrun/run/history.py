"""Past runs, read back from the run records in the runs directory (``specrun runs``).

A record's name is its id (``20261204T135617Z-a1b2c3``); ids sort by time, so the newest come
first without opening a file, and a unique prefix names a run. Listing reads only the head of
each record: the ``summary`` its first key holds (``specrun.run.record``), parsed alone with
``raw_decode``, so 1,000 records list without parsing one answer. A record written before
summaries existed is read whole (bounded) and summarised from its fields. A file that is not a
run record (corrupt, foreign, cut off) is skipped with one warning naming it, and specrun's own
records of a ``check --judge`` are passed over in silence; a runs directory that does not exist
holds no runs. ``show`` and ``result`` read one record whole, within
``RECORD_MAX_BYTES``.

Everything read here is untrusted text from disk: the lines built for the terminal pass
``gates.terminal.shown``.
"""

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from specrun.errors import InputError, InvalidResult
from specrun.gates.limits import (
    MB,
    TooDeep,
    TooLarge,
    parse_nested,
    read_head,
    read_regular_file,
    size_text,
)
from specrun.gates.terminal import shown
from specrun.settings.money import Cost

if TYPE_CHECKING:
    from specrun.document.model import Provenance, SpecCandidates

    Published = tuple[SpecCandidates, Provenance | None, str | None]

HEAD_BYTES = 16_384
RECORD_MAX_BYTES = 200 * MB
SUMMARY_START = '{\n  "summary": '
RESULT_SUFFIX = ".result"


class NotARecord(Exception):
    """The file is not a run record specrun can read."""


class OtherRecord(NotARecord):
    """specrun's own record of something other than a run (a ``check --judge``)."""


def _recorded_cost(value: object) -> Cost | None:
    """A cost as records keep it, ``{"usd": 0.12, "price_unknown": [...]}``; None if absent."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError("cost")
    usd, unknown = value.get("usd"), value.get("price_unknown", [])
    if not isinstance(usd, int | float) or isinstance(usd, bool) or not 0 <= usd < math.inf:
        raise TypeError("cost")
    if not isinstance(unknown, list) or not all(isinstance(model, str) for model in unknown):
        raise TypeError("cost")
    return Cost(Decimal(str(usd)), frozenset(unknown))


def _text(value: object, optional: bool = False) -> Any:
    if isinstance(value, str) or (optional and value is None):
        return value
    raise TypeError("text")


def _count(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise TypeError("count")


@dataclass(frozen=True)
class RunSummary:
    """What a listing shows of a run. Checked by hand rather than by a pydantic model, so that
    listing loads no more than it needs; fields a later version adds are ignored."""

    started_at: str
    status: str
    repository: str | None
    prompt: str
    profile: str
    model: str
    attempts: int
    usage: dict[str, int] | None
    cost: Cost | None
    recorded_tokens: int | None = None

    @classmethod
    def of(cls, data: object) -> "RunSummary":
        """Raises ``TypeError`` or ``KeyError`` when ``data`` is not a summary."""
        if not isinstance(data, dict):
            raise TypeError("summary")
        usage = data.get("usage")
        if usage is not None:
            if not isinstance(usage, dict):
                raise TypeError("usage")
            usage = {_text(key): _count(count) for key, count in usage.items()}
        return cls(
            started_at=_text(data["started_at"]),
            status=_text(data["status"]),
            repository=_text(data.get("repository"), optional=True),
            prompt=_text(data["prompt"]),
            profile=_text(data["profile"]),
            model=_text(data["model"]),
            attempts=_count(data["attempts"]),
            usage=usage,
            cost=_recorded_cost(data.get("cost")),
            recorded_tokens=None if data.get("tokens") is None else _count(data["tokens"]),
        )

    @property
    def tokens(self) -> int:
        """All tokens of the run; a record that did not count them gives its usage's sum."""
        if self.recorded_tokens is not None:
            return self.recorded_tokens
        return sum((self.usage or {}).values())

    @property
    def shown_cost(self) -> str:
        return "cost not recorded" if self.cost is None else str(self.cost)

    def as_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "status": self.status,
            "repository": self.repository,
            "prompt": self.prompt,
            "profile": self.profile,
            "model": self.model,
            "attempts": self.attempts,
            "usage": self.usage,
            "tokens": self.tokens,
            "cost": None if self.cost is None else self.cost.as_dict(),
        }


@dataclass(frozen=True)
class PastRun:
    id: str
    path: Path
    summary: RunSummary

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "path": str(self.path), **self.summary.as_dict()}

    def line(self) -> str:
        summary = self.summary
        when = summary.started_at[:19].replace("T", " ")
        return shown(
            f"{self.id}  {when}  {summary.status}  {summary.attempts} attempt(s)  "
            f"{summary.tokens:,} tokens  {summary.shown_cost}  "
            f"{summary.profile}/{summary.model}  {summary.prompt}  "
            f"{summary.repository or '(repository not recorded)'}  {self.path}",
            one_line=True,
        )


def record_paths(directory: Path) -> list[Path]:
    """The record files in ``directory``, newest first; results kept beside them are not
    records, nor are the hidden files of atomic writes."""
    if not directory.exists():
        return []
    if not directory.is_dir():
        raise InputError(f"the runs directory {directory} is not a directory; fix SPECRUN_RUNS_DIR")
    paths = [
        path
        for path in directory.glob("*.json")
        if not path.name.startswith(".") and not path.stem.endswith(RESULT_SUFFIX)
    ]
    return sorted(paths, key=lambda path: path.name, reverse=True)


@dataclass(frozen=True)
class Listing:
    """The runs ``specrun runs`` shows, and whether a further run lies past them."""

    runs: list[PastRun]
    more: bool = False


def list_runs(directory: Path, limit: int | None, warn: Callable[[str], None]) -> Listing:
    """The newest ``limit`` runs (all with None), each unreadable file among them skipped with
    a warning; past the limit, the next run is looked for only to say there are more."""
    runs: list[PastRun] = []
    for path in record_paths(directory):
        full = limit is not None and len(runs) >= limit
        try:
            run = PastRun(path.stem, path, read_summary(path))
        except OtherRecord:
            continue
        except NotARecord as problem:
            if not full:
                warn(shown(f"warning: skipped {path}: {problem}", one_line=True))
            continue
        if full:
            return Listing(runs, more=True)
        runs.append(run)
    return Listing(runs)


def read_summary(path: Path) -> RunSummary:
    """The record's summary from its head; a record without one is read whole."""
    try:
        head = read_head(path, HEAD_BYTES).decode("utf-8", "ignore")
    except OSError as error:
        raise NotARecord(f"cannot be read ({error.strerror or error})") from None
    if head.startswith(SUMMARY_START):
        try:
            summary, _ = json.JSONDecoder().raw_decode(head, len(SUMMARY_START))
            return RunSummary.of(summary)
        except (json.JSONDecodeError, RecursionError, KeyError, TypeError):
            pass
    return summarise(read_record(path))


def summarise(record: dict[str, Any]) -> RunSummary:
    """A record's summary: its own, or one made from the fields every version wrote."""
    if record.get("command", "run") != "run":
        raise OtherRecord(f"a record of {record.get('command')!r}, not of a run")
    try:
        if "summary" in record:
            return RunSummary.of(record["summary"])
        provider = record["provider"]
        return RunSummary.of(
            {
                "started_at": record["started_at"],
                "status": record["status"],
                "repository": record.get("repository"),
                "prompt": record["prompt"]["name"],
                "profile": provider["profile"],
                "model": provider["model"],
                "attempts": len(record["attempts"]),
                "usage": record.get("usage"),
                "cost": record.get("cost"),
            }
        )
    except (KeyError, TypeError):
        raise NotARecord("not a specrun run record") from None


def read_record(path: Path) -> dict[str, Any]:
    try:
        data = read_regular_file(path, RECORD_MAX_BYTES)
    except TooLarge:
        raise NotARecord(f"larger than {size_text(RECORD_MAX_BYTES)}") from None
    except OSError as error:
        raise NotARecord(f"cannot be read ({error.strerror or error})") from None
    try:
        record = parse_nested(json.loads, data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, TooDeep):
        raise NotARecord("not JSON, or cut off") from None
    if not isinstance(record, dict):
        raise NotARecord("not a specrun run record")
    return record


def find_run(directory: Path, ident: str) -> PastRun:
    """The run whose id is ``ident`` or starts with it; none or several is an input error."""
    wanted = ident.removesuffix(".json")
    if not wanted:
        raise InputError("no run id given; `specrun runs` lists the run ids")
    paths = record_paths(directory)
    exact = [path for path in paths if path.stem == wanted]
    matches = exact or [path for path in paths if path.stem.startswith(wanted)]
    if not matches:
        raise InputError(
            f"no run {shown(ident, one_line=True)!r} in {directory}; "
            "`specrun runs` lists the run ids"
        )
    if len(matches) > 1:
        named = ", ".join(path.stem for path in matches[:5])
        more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
        raise InputError(
            f"run id {shown(ident, one_line=True)!r} is ambiguous: it starts {len(matches)} runs "
            f"({named}{more}); "
            "give more of it"
        )
    path = matches[0]
    try:
        return PastRun(path.stem, path, read_summary(path))
    except NotARecord as problem:
        raise InputError(f"{path} cannot be shown: {problem}") from None


def load_run(run: PastRun) -> dict[str, Any]:
    try:
        return read_record(run.path)
    except NotARecord as problem:
        raise InputError(f"{run.path} cannot be shown: {problem}") from None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _items(value: object) -> list[dict[str, Any]]:
    return [item for item in _list(value) if isinstance(item, dict)]


def _tokens(value: object) -> int:
    """A token count as a record holds it; anything else (a file edited by hand) as 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _finding(item: dict[str, Any], prefix: str = "") -> Iterator[str]:
    yield f"  {prefix}{item.get('code')} {item.get('location')}: {item.get('message')}"
    if item.get("evidence"):
        yield f"    evidence: {item['evidence']}"


def describe_run(run: PastRun, record: dict[str, Any]) -> list[str]:
    """One run as ``runs show`` prints it: what it was, each attempt with its violations and
    their evidence (a targeted re-ask's: the parts it asked for, whether its patch was merged
    and what the patch broke), the items left for review and the judge's verdicts."""
    summary = run.summary
    lines = [
        f"run {run.id}: {summary.status}"
        + (f" ({record['error']})" if record.get("error") else ""),
        f"started {summary.started_at}; {summary.profile}/{summary.model}; prompt "
        f"{summary.prompt}; repository {summary.repository or '(not recorded)'}",
        f"record: {run.path}",
    ]
    for attempt in _items(record.get("attempts")):
        recorded = attempt.get("usage")
        usage: dict[str, Any] = recorded if isinstance(recorded, dict) else {}
        read, written = (_tokens(usage.get(key)) for key in ("input_tokens", "output_tokens"))
        try:
            priced = str(_recorded_cost(attempt.get("cost")) or "")
        except TypeError:
            priced = ""
        violations = _items(attempt.get("violations"))
        lines.append(
            f"attempt {attempt.get('number')}: {attempt.get('seconds')}s, "
            f"{read:,} in / {written:,} out"
            + (f", {priced}" if priced else "")
            + f"; stop {attempt.get('stop_reason')}; "
            + (f"{len(violations)} violation(s)" if violations else "no violations")
        )
        patch = attempt.get("patch")
        if isinstance(patch, dict) and (asked := [str(part) for part in _list(patch.get("asked"))]):
            merged = "merged" if patch.get("merged") is not None else "not merged"
            lines.append(f"  patch of {'; '.join(asked)}: {merged}")
            for broken in _items(patch.get("broke")):
                lines += _finding(broken, "broke: ")
        for violation in violations:
            lines += _finding(violation)
        for item in _items(attempt.get("needs_review")):
            lines += _finding(item, "needs review: ")
        judged = attempt.get("judge")
        if isinstance(judged, dict):
            lines.append(f"  judge {judged.get('model')}: {judged.get('problem') or 'answered'}")
            for ruling in _items(judged.get("rulings")):
                lines.append(
                    f"    {ruling.get('code')} {ruling.get('location')}: "
                    f"{ruling.get('verdict')}: {ruling.get('quote')!r} ({ruling.get('reason')})"
                )
            for discarded in _list(judged.get("discarded")):
                lines.append(f"    discarded: {discarded}")
    lines.append(f"usage: {summary.tokens:,} tokens; cost {summary.shown_cost}")
    return [shown(line, one_line=True) for line in lines]


def run_result(run: PastRun, record: dict[str, Any]) -> "Published":
    """The run's result as ``render`` prints a record's: the valid document, else its best
    draft with a note saying so, and what it was made from."""
    from pydantic import ValidationError

    from specrun.document.model import SpecCandidates
    from specrun.document.source import stored_result

    stored = stored_result(record, run.path)
    try:
        document = SpecCandidates.model_validate(stored.document)
    except ValidationError:
        raise InvalidResult(
            f"run {run.id}'s draft does not match this version's result schema"
        ) from None
    return document, stored.provenance, stored.note
