"""The validate-and-re-ask loop.

Each attempt asks the provider for the result document, judges the raw answer
(``specrun.rules.answers``) and, when it breaks any rule, re-asks with the previous answer and its
violations (code, location, message, the text judged, hint). An answer that is cut off, not JSON
or off the schema is judged the same way: its SC104 violations say where. An oversized answer is
one SC104 violation too, neither judged nor repeated back to the model. The system prompt is the
same on every attempt; only the conversation after it changes. Where the rules leave items for
review and a judge is given, the judge decides them once per answer: its confirmed breaches join
the violations the re-ask sends back, with their evidence. The loop stops at the first valid
answer or when ``max_attempts`` answers have been judged.

With ``reask="targeted"`` (the default) a re-ask asks only for the parts that broke a rule, when
every violation lies inside some candidates or the closing sections (``specrun.run.patch``): the
request carries the patch schema, the previous document and its violations; the answer is merged
by letter and the merged document judged whole. An item the judge found holding stays decided
where the patch left its text as it was, so the judge is not asked about it again. A patch that
could not be merged is sent back as violations, with the previous document's own, and the
previous document stays the one to patch.
``reask="full"`` always asks for the complete document.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from specrun.context.numbering import NumberingEvidence
from specrun.context.prompt_pack import PackRules
from specrun.document.model import SpecCandidates
from specrun.gates.limits import Limits, size_text
from specrun.providers import Answer, Provider, Request, TransientProviderError, Turn, Usage
from specrun.providers.retrying import with_retries
from specrun.rules import Findings, ReviewItem, Violation
from specrun.rules.answers import decode, judge_answer
from specrun.rules.judge import JudgedFindings
from specrun.run.patch import Ask, Patched, merge_patch, targeted_ask, targeted_message
from specrun.settings.config import ReaskMode, RetryPolicy

FIRST_REQUEST = (
    "Produce the result document now: exactly four spec candidates, A to D, one per theme, and "
    "the closing sections, following every writing rule and the numbering evidence above. "
    "Answer with the result document as JSON only."
)

Judge = Callable[[SpecCandidates, Findings], JudgedFindings]


@dataclass(frozen=True)
class Attempt:
    number: int
    answer: Answer
    document: SpecCandidates | None
    violations: tuple[Violation, ...]
    seconds: float
    needs_review: tuple[ReviewItem, ...] = ()
    judged: JudgedFindings | None = None
    patch: Patched | None = None

    @property
    def valid(self) -> bool:
        return self.document is not None and not self.violations

    @property
    def usage(self) -> Usage:
        """The answer's tokens and the judge's."""
        return self.answer.usage + (self.judged.usage if self.judged else Usage())


@dataclass(frozen=True)
class Outcome:
    attempts: tuple[Attempt, ...]

    @property
    def document(self) -> SpecCandidates | None:
        """The valid document, if an attempt produced one."""
        last = self.attempts[-1]
        return last.document if last.valid else None

    @property
    def best(self) -> Attempt:
        """The readable draft with the fewest violations (the latest among equals)."""
        readable = [a for a in self.attempts if a.document is not None] or self.attempts
        return min(reversed(readable), key=lambda attempt: len(attempt.violations))

    @property
    def usage(self) -> Usage:
        return sum((attempt.usage for attempt in self.attempts), Usage())


def _listed(violations: tuple[Violation, ...]) -> str:
    return "\n".join(
        f"- {v.code} at {v.location}: {v.message}"
        + (f" The text judged: {v.evidence!r}." if v.evidence else "")
        + f" Fix: {v.hint}"
        for v in violations
    )


def reask_message(attempt: Attempt, ask: Ask | None = None) -> str:
    """The re-ask's request: the violations, and what to return (the complete document, or only
    the parts ``ask`` names)."""
    listed = _listed(attempt.violations)
    if ask is not None:
        return targeted_message(ask, listed)
    if attempt.document is None:
        problem = f"Your previous answer could not be used:\n{listed}"
    else:
        problem = f"Your previous answer breaks these rules:\n{listed}"
    return (
        f"{problem}\n\nReturn a corrected, complete result document: all four candidates and "
        "the closing sections, not only the changed parts, as JSON only."
    )


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _verdict(
    answer: Answer, rules: PackRules, numbering: NumberingEvidence, limit: int
) -> tuple[SpecCandidates | None, Findings]:
    """The document and its findings; an answer over ``limit`` bytes is not read at all."""
    size = _size(answer.raw)
    if size > limit:
        oversized = Violation(
            "SC104",
            "answer",
            f"The answer is {size:,} bytes, over the limit of {size_text(limit)} "
            "(SPECRUN_MAX_ANSWER_BYTES).",
            "Return the result document alone, with every item concise.",
        )
        return None, Findings((oversized,))
    return judge_answer(answer, rules, numbering)


def _repeatable(answer: Answer, limit: int) -> str:
    """The previous answer as the re-ask repeats it: an oversized or unreadable one is left out."""
    if _size(answer.raw) > limit:
        return "(the previous answer was too large to repeat)"
    if answer.unreadable:
        return "(no answer)"
    return answer.raw or "(no answer)"


@dataclass(frozen=True)
class Basis:
    """The latest document a re-ask builds on: its JSON, as the re-ask repeats it, its
    violations, and whether it fit the result schema."""

    data: dict[str, Any]
    text: str
    violations: tuple[Violation, ...]
    parsed: bool


def _basis(attempt: Attempt, previous: Basis | None, limit: int) -> Basis | None:
    """What the next re-ask builds on: a merged patch, a readable answer's JSON, or, after a
    patch that was not merged, the document it was meant to patch."""
    if attempt.patch is not None:
        merged = attempt.patch.merged
        if merged is None:
            return previous
        text = json.dumps(merged, ensure_ascii=False)
        return Basis(merged, text, attempt.violations, attempt.document is not None)
    answer = attempt.answer
    if _size(answer.raw) > limit or answer.unreadable or answer.declined:
        return None
    data, problem = decode(answer)
    if problem is not None or not isinstance(data, dict):
        return None
    return Basis(data, answer.raw, attempt.violations, attempt.document is not None)


def _next_ask(attempt: Attempt, basis: Basis | None, mode: ReaskMode) -> Ask | None:
    if mode == "full" or basis is None:
        return None
    return targeted_ask(basis.data, _outstanding(attempt, basis), basis.parsed)


def _outstanding(attempt: Attempt, basis: Basis | None) -> tuple[Violation, ...]:
    """The violations the next re-ask sends: a patch that was not merged adds its problems to
    those of the document it was meant to patch."""
    if attempt.patch is not None and attempt.patch.merged is None and basis is not None:
        return attempt.violations + basis.violations
    return attempt.violations


def run_attempts(
    provider: Provider,
    system_prompt: str,
    rules: PackRules,
    numbering: NumberingEvidence,
    max_attempts: int,
    retries: RetryPolicy,
    on_attempt: Callable[[Attempt], None] = lambda attempt: None,
    on_retry: Callable[[TransientProviderError, float], None] = lambda error, wait: None,
    sleep: Callable[[float], None] = time.sleep,
    max_answer_bytes: int = Limits().answer_bytes,
    judge: Judge | None = None,
    reask: ReaskMode = "targeted",
) -> Outcome:
    attempts: list[Attempt] = []
    turns: tuple[Turn, ...] = (Turn("user", FIRST_REQUEST),)
    basis: Basis | None = None
    ask: Ask | None = None
    held: set[ReviewItem] = set()
    for number in range(1, max_attempts + 1):
        model = SpecCandidates if ask is None else ask.response_model(rules, numbering)
        request = Request(system_prompt, turns, model)
        started = time.monotonic()
        answer = with_retries(partial(provider.complete, request), retries, on_retry, sleep)
        patched = None
        if ask is None or basis is None:
            document, findings = _verdict(answer, rules, numbering, max_answer_bytes)
        elif _size(answer.raw) > max_answer_bytes:
            document, findings = _verdict(answer, rules, numbering, max_answer_bytes)
            patched = Patched(ask, None)
        else:
            document, findings, patched = merge_patch(
                answer, ask, basis.data, basis.violations, rules, numbering
            )
            findings = Findings(
                findings.violations, tuple(i for i in findings.needs_review if i not in held)
            )
        attempt = Attempt(
            number,
            answer,
            document,
            findings.violations,
            time.monotonic() - started,
            findings.needs_review,
            patch=patched,
        )
        judged = None
        if judge is not None and document is not None and findings.needs_review:
            try:
                judged = judge(document, findings)
            except BaseException:
                # The answer is paid for: it is kept, with the rules' findings, however this ends.
                on_attempt(attempt)
                raise
            attempt = replace(
                attempt,
                violations=judged.findings.violations,
                needs_review=judged.findings.needs_review,
                judged=judged,
            )
        attempts.append(attempt)
        on_attempt(attempt)
        if attempt.valid:
            break
        if judged is not None:
            held |= {ruling.item for ruling in judged.rulings if ruling.holds}
        basis = _basis(attempt, basis, max_answer_bytes)
        ask = _next_ask(attempt, basis, reask)
        sent = replace(attempt, violations=_outstanding(attempt, basis))
        previous = basis.text if basis is not None else _repeatable(answer, max_answer_bytes)
        turns = (
            turns[0],
            Turn("assistant", previous),
            Turn("user", reask_message(sent, ask)),
        )
    return Outcome(tuple(attempts))
