"""Run records: what one ``specrun run`` sent, got and decided, kept as JSON.

A record is created when the first request is about to be sent and rewritten whole (atomically)
after every attempt, so a run that ends any way at all (valid, invalid, a provider failure,
Ctrl-C, SIGTERM) leaves every answer it paid for. It holds the context the run was given
(binding files with sha256, numbering evidence), the profiles it used (never a key), every raw
answer with its stop reason, usage and violations (schema breaches included, with their
locations; a targeted re-ask's answer is its patch, kept with the parts it was asked for and
the merged document), the items left for review, the judge's verdicts (with its raw answer) and
usage, the best draft so far, the target repository, the cassette it replayed or recorded into
(a replay is recorded like a paid run, and says so), the cost of each attempt and of the run
(``specrun.run.cost``), and the run's ``status``: ``running``, then ``valid``, ``invalid``,
``budget``, ``provider-failure``, ``interrupted`` or ``failed``. Its first key, ``summary``,
holds what ``specrun runs`` lists (time, repository, prompt, profile, model, status, attempts,
tokens, cost), so a listing reads only the head of each record (``specrun.run.history``).
Records go to the runs directory (``specrun.settings.places``).

A record that cannot be written where it belongs (a full disk, ``ulimit -f``) is kept whole in
the system's temporary directory instead (``fallback``), and the run says so; when no file can
be written at all, ``unkept_answers`` gives each answer not yet kept anywhere as one JSON line,
which the run prints on stderr. ``kept`` says truthfully where the answers are, for the run's
last line. A record is rewritten whole and atomically, so a file never claims an attempt it
does not hold.

An answer may hold a lone surrogate (JSON allows ``"\\ud800"``), which UTF-8 cannot encode: it is
written as that same JSON escape, so the record stays valid UTF-8 JSON and reads back exactly.
"""

import json
import secrets
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from specrun import __version__
from specrun.context.assembly import Context
from specrun.errors import InputError, ProviderError
from specrun.gates.credentials import scrub
from specrun.gates.output import probe_directory, write_atomically
from specrun.providers.cassettes import Recording
from specrun.providers.prices import Pricing
from specrun.rules.judge import JudgedFindings
from specrun.run.cost import BudgetExceeded, attempt_cost, runs_cost, runs_tokens
from specrun.run.reask import Attempt, Outcome
from specrun.settings.config import JudgeSettings, ProviderProfile, Settings, endpoint_url
from specrun.settings.money import Cost

# Where records go is settled in settings.places, so listing them loads nothing of this module.
from specrun.settings.places import runs_directory as runs_directory

Status = Literal[
    "running", "valid", "invalid", "budget", "provider-failure", "interrupted", "failed"
]
RECORD_MODE = 0o600


def prepare_runs_directory(directory: Path) -> None:
    """Checked before any request, creating nothing yet: a record that cannot be written would
    lose paid answers. A missing directory is judged by the nearest folder that exists, in which
    it will be created when the first request is sent."""
    existing = directory
    while not existing.exists() and not existing.is_symlink() and existing != existing.parent:
        existing = existing.parent
    if problem := probe_directory(existing):
        named = directory if existing == directory else f"{directory} ({existing})"
        raise InputError(
            f"the runs directory {named} {problem}; set SPECRUN_RUNS_DIR to a writable directory"
        )


def encode_record(record: dict[str, Any]) -> bytes:
    """UTF-8 JSON with every key blanked (a server may echo one inside an answer); a lone
    surrogate becomes its JSON escape (``\\ud800``), read back exactly."""
    text = json.dumps(_scrubbed(record), indent=2, ensure_ascii=False) + "\n"
    return text.encode("utf-8", "backslashreplace")


def encode_line(value: dict[str, Any]) -> str:
    """One JSON line, ASCII only, every key blanked: for stderr when no file can be written."""
    return json.dumps(_scrubbed(value), ensure_ascii=True)


def _scrubbed(value: Any) -> Any:
    """Every string blanked before it is JSON-escaped, so a key holding a quote or a backslash
    is found as it is."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _scrubbed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(item) for item in value]
    return value


def ending(error: BaseException) -> tuple[Status, str | None]:
    """The record's status for a run stopped by ``error``; only specrun's own provider messages
    are kept, since another exception's text could quote a server's echo of a key."""
    if isinstance(error, ProviderError):
        return "provider-failure", str(error)
    if isinstance(error, BudgetExceeded):
        return "budget", str(error)
    if isinstance(error, InputError):
        return "failed", str(error)
    if isinstance(error, KeyboardInterrupt):
        return "interrupted", None
    return "failed", type(error).__name__


def _attempt(attempt: Attempt, settings: Settings, pricing: Pricing) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "seconds": round(attempt.seconds, 3),
        "usage": asdict(attempt.answer.usage),
        "cost": attempt_cost(attempt, settings, pricing).as_dict(),
        "stop_reason": attempt.answer.stop_reason,
        "violations": [violation.as_dict() for violation in attempt.violations],
        "needs_review": [item.as_dict() for item in attempt.needs_review],
        "judge": _judged(attempt),
        "raw": attempt.answer.raw,
        "patch": attempt.patch.as_dict() if attempt.patch else None,
    }


def _judged(attempt: Attempt) -> dict[str, Any] | None:
    if attempt.judged is None:
        return None
    return {**attempt.judged.as_dict(), "usage": asdict(attempt.judged.usage)}


def _profile(name: str, profile: ProviderProfile) -> dict[str, str]:
    """Which profile and model a record's calls went to, and where (never a key)."""
    return {
        "profile": name,
        "kind": profile.kind,
        "model": profile.model,
        "base_url": endpoint_url(profile),
    }


def _cassette(recording: Recording | None) -> dict[str, str] | None:
    if recording is None:
        return None
    return {"path": str(recording.path), "mode": "record" if recording.record else "replay"}


def _record_path(directory: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return directory / f"{stamp}-{secrets.token_hex(3)}.json"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class RunRecord:
    """One run's record file, rewritten whole as the run goes on."""

    def __init__(
        self,
        directory: Path,
        context: Context,
        settings: Settings,
        repository: Path,
        recording: Recording | None = None,
    ) -> None:
        self.path = _record_path(directory)
        self.context = context
        self.settings = settings
        self.repository = repository
        self.pricing = Pricing(settings.prices)
        self.recording = recording
        self.started_at = _now()
        self.attempts: list[Attempt] = []
        self.status: Status = "running"
        self.error: str | None = None
        self.begun = False
        self.kept_at: Path | None = None
        self.kept_attempts = 0
        self.printed_attempts = 0
        self.fallback: Path | None = None

    def begin(self) -> None:
        """Called as the first request is about to be sent: from here on, the run has a record."""
        self.begun = True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        finally:
            self.save()

    def add(self, attempt: Attempt) -> None:
        self.attempts.append(attempt)
        self.save()

    def finish(self, status: Status, error: str | None = None) -> None:
        self.status = status
        self.error = error
        self.save()

    def save(self) -> None:
        """Write the record where it belongs, else (from the first failure on) to the fallback
        in the temporary directory. Raises ``OSError`` when neither can be written."""
        data = encode_record(self.as_dict())
        if self.fallback is None:
            try:
                write_atomically(self.path, data, replace=True, mode=RECORD_MODE)
                self._kept(self.path)
                return
            except OSError:
                self.fallback = Path(tempfile.gettempdir()) / f"specrun-run-{self.path.name}"
        write_atomically(self.fallback, data, replace=True, mode=RECORD_MODE)
        self._kept(self.fallback)

    def _kept(self, place: Path) -> None:
        self.kept_at = place
        self.kept_attempts = len(self.attempts)

    def unkept_answers(self) -> list[str]:
        """Each answer that is in no file and was not given out yet, as one JSON line (keys
        blanked, lone surrogates escaped); it counts as given out from here on."""
        first = max(self.kept_attempts, self.printed_attempts)
        lines = [
            encode_line(
                {
                    "run_record": self.path.name,
                    "attempt": _attempt(attempt, self.settings, self.pricing),
                }
            )
            for attempt in self.attempts[first:]
        ]
        self.printed_attempts = len(self.attempts)
        return lines

    def describe(self) -> str:
        """The record's place, and whether it holds every attempt."""
        if self.kept_at is None:
            return "none could be written"
        if self.kept_attempts == len(self.attempts):
            return str(self.kept_at)
        return (
            f"{self.kept_at}, holding {self.kept_attempts} of {len(self.attempts)} attempt(s); "
            "the others are on stderr above"
        )

    def kept(self) -> str:
        """Where the answers are, as the run's last line says it."""
        if self.kept_at == self.path and self.kept_attempts == len(self.attempts):
            return "in the run record"
        if self.kept_at is not None and self.kept_attempts == len(self.attempts):
            return f"in {self.kept_at}, since the run record {self.path} could not be written"
        return (
            "on stderr above, one JSON line per answer, since no run record could be written "
            f"(last tried: {self.fallback or self.path})"
        )

    def as_dict(self) -> dict[str, Any]:
        context, settings, profile = self.context, self.settings, self.settings.profile
        outcome = Outcome(tuple(self.attempts)) if self.attempts else None
        best = outcome.best if outcome else None
        updated_at = _now()
        usage = outcome.usage if outcome else None
        cost = runs_cost(tuple(self.attempts), settings, self.pricing).as_dict()
        return {
            "summary": {
                "started_at": self.started_at,
                "updated_at": updated_at,
                "status": self.status,
                "repository": str(self.repository),
                "prompt": context.pack.name,
                "profile": settings.profile_name,
                "model": profile.model,
                "attempts": len(self.attempts),
                "usage": asdict(usage) if usage else None,
                "tokens": runs_tokens(tuple(self.attempts), settings),
                "cost": cost,
            },
            "specrun": __version__,
            "status": self.status,
            "error": self.error,
            "started_at": self.started_at,
            "updated_at": updated_at,
            "repository": str(self.repository),
            "cassette": _cassette(self.recording),
            "prompt": {"name": context.pack.name, "source": str(context.pack.source)},
            "binding_files": [{"path": f.path, "sha256": f.sha256} for f in context.files],
            "numbering": context.numbering.as_dict(),
            "provider": {
                **_profile(settings.profile_name, profile),
                "config": settings.source,
            },
            "judge": None
            if settings.judge is None
            else _profile(settings.judge.profile_name, settings.judge.profile),
            "max_attempts": settings.max_attempts,
            "max_cost": settings.max_cost,
            "reask": settings.reask,
            "usage": asdict(usage) if usage else None,
            "cost": cost,
            "best_attempt": best.number if best else None,
            "best_draft": best.document.model_dump() if best and best.document else None,
            "attempts": [_attempt(a, settings, self.pricing) for a in self.attempts],
        }


class JudgementRecord:
    """The record of one ``check --judge``: a paid call, kept like a run's, with the checked
    file, the judge, its verdicts and usage, and how it ended."""

    def __init__(
        self,
        directory: Path,
        checked: Path,
        repository: Path,
        judging: JudgeSettings,
        pricing: Pricing,
        recording: Recording | None = None,
    ) -> None:
        self.path = _record_path(directory)
        self.checked, self.repository = checked, repository
        self.judging, self.pricing, self.recording = judging, pricing, recording
        self.started_at = _now()
        self.status: Status = "running"
        self.error: str | None = None
        self.judged: JudgedFindings | None = None

    def begin(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.save()

    def finish(
        self, status: Status, error: str | None = None, judged: JudgedFindings | None = None
    ) -> None:
        self.status, self.error, self.judged = status, error, judged
        self.save()

    def save(self) -> None:
        write_atomically(self.path, encode_record(self.as_dict()), replace=True, mode=RECORD_MODE)

    def cost(self) -> Cost:
        """What the judge's call cost, at the judge's prices."""
        if self.judged is None:
            return Cost()
        return self.pricing.cost(self.judging.profile, self.judged.usage)

    def as_dict(self) -> dict[str, Any]:
        judged = self.judged
        return {
            "specrun": __version__,
            "command": "check --judge",
            "status": self.status,
            "error": self.error,
            "started_at": self.started_at,
            "updated_at": _now(),
            "repository": str(self.repository),
            "checked": str(self.checked),
            "cassette": _cassette(self.recording),
            "judge": _profile(self.judging.profile_name, self.judging.profile),
            "usage": asdict(judged.usage) if judged else None,
            "cost": self.cost().as_dict() if judged else None,
            "verdicts": judged.as_dict() if judged else None,
            "violations": [v.as_dict() for v in judged.findings.violations] if judged else [],
            "needs_review": [i.as_dict() for i in judged.findings.needs_review] if judged else [],
        }
