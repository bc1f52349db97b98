"""The validate-and-re-ask loop.

Each attempt asks the provider for the result document, validates the answer with the rules
and, when it breaks any, re-asks with the previous answer and its violations (code, location,
message, the text judged, hint). An unreadable, truncated or oversized answer is a failed attempt
too (an oversized one is neither judged nor repeated back to the model). The system prompt is the
same on every attempt; only the conversation after it changes. Where the rules leave items for
review and a judge is given, the judge decides them once per answer: its confirmed breaches join
the violations the re-ask sends back, with their evidence. The loop stops at the first valid
answer or when ``max_attempts`` answers have been judged.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from specrun.config import RetryPolicy
from specrun.document import SpecCandidates
from specrun.judge import JudgedFindings
from specrun.limits import Limits, size_text
from specrun.numbering import NumberingEvidence
from specrun.prompt_pack import PackRules
from specrun.providers import Answer, Provider, Request, TransientProviderError, Turn, Usage
from specrun.retrying import with_retries
from specrun.validation import Findings, ReviewItem, Violation, check_document

FIRST_REQUEST = (
    "Produce the result document now: exactly four spec candidates, A to D, one per theme, and "
    "the closing sections, following every writing rule and the numbering evidence above. "
    "Answer only through the result tool."
)

Judge = Callable[[SpecCandidates, Findings], JudgedFindings]


@dataclass(frozen=True)
class Attempt:
    number: int
    answer: Answer
    violations: tuple[Violation, ...]
    seconds: float
    needs_review: tuple[ReviewItem, ...] = ()
    judged: JudgedFindings | None = None

    @property
    def valid(self) -> bool:
        return self.answer.document is not None and not self.violations

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
        return last.answer.document if last.valid else None

    @property
    def best(self) -> Attempt:
        """The readable draft with the fewest violations (the latest among equals)."""
        readable = [a for a in self.attempts if a.answer.document is not None] or self.attempts
        return min(reversed(readable), key=lambda attempt: len(attempt.violations))

    @property
    def usage(self) -> Usage:
        return sum((attempt.usage for attempt in self.attempts), Usage())


def reask_message(answer: Answer, violations: tuple[Violation, ...]) -> str:
    if answer.document is None:
        problem = f"Your previous answer could not be used: {answer.problem}."
    else:
        listed = "\n".join(
            f"- {v.code} at {v.location}: {v.message}"
            + (f" The text judged: {v.evidence!r}." if v.evidence else "")
            + f" Fix: {v.hint}"
            for v in violations
        )
        problem = f"Your previous answer breaks these rules:\n{listed}"
    return (
        f"{problem}\n\nReturn a corrected, complete result document: all four candidates and "
        "the closing sections, not only the changed parts. Answer only through the result tool."
    )


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _within_limit(answer: Answer, limit: int) -> Answer:
    size = _size(answer.raw)
    if size <= limit:
        return answer
    problem = (
        f"the answer is {size:,} bytes, over the limit of {size_text(limit)} "
        "(SPECRUN_MAX_ANSWER_BYTES)"
    )
    return Answer(answer.raw, None, problem, answer.usage)


def _repeatable(answer: Answer, limit: int) -> str:
    """The previous answer as the re-ask repeats it: an oversized one is left out."""
    if _size(answer.raw) > limit:
        return "(the previous answer was too large to repeat)"
    return answer.raw or "(no answer)"


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
) -> Outcome:
    attempts: list[Attempt] = []
    turns: tuple[Turn, ...] = (Turn("user", FIRST_REQUEST),)
    for number in range(1, max_attempts + 1):
        request = Request(system_prompt, turns)
        started = time.monotonic()
        answer = with_retries(partial(provider.complete, request), retries, on_retry, sleep)
        answer = _within_limit(answer, max_answer_bytes)
        seconds = time.monotonic() - started
        findings = Findings()
        if answer.document is not None:
            findings = check_document(answer.document, rules, numbering)
        judged = None
        if judge is not None and answer.document is not None and findings.needs_review:
            try:
                judged = judge(answer.document, findings)
            except BaseException:
                # The answer is paid for: it is kept, with the rules' findings, however this ends.
                on_attempt(
                    Attempt(number, answer, findings.violations, seconds, findings.needs_review)
                )
                raise
            findings = judged.findings
        attempt = Attempt(
            number, answer, findings.violations, seconds, findings.needs_review, judged
        )
        attempts.append(attempt)
        on_attempt(attempt)
        if attempt.valid:
            break
        turns = (
            turns[0],
            Turn("assistant", _repeatable(answer, max_answer_bytes)),
            Turn("user", reask_message(answer, attempt.violations)),
        )
    return Outcome(tuple(attempts))
