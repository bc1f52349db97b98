"""Judges whether prose asserts a concept, the way a careful reviewer reads it.

A concept is data of the prompt pack: groups of alternative terms that must all occur in one
sentence (``all_of``), and for explicit statements the words that assert it (``asserts``), the
words that state its opposite (``opposites``) and the words that wave it away (``dismissals``).
Terms are matched case-insensitively at word starts, so ``authoriz`` matches "authorization"
and "authorised" needs its own stem; hyphens count as spaces. A term preceded closely by a
negator ("not", "never", ...) is read as negated: "not optional" does not dismiss, "not
required" does not assert.
"""

import re
from dataclasses import dataclass
from enum import Enum
from functools import cache
from itertools import pairwise

from pydantic import BaseModel, ConfigDict, Field

NEGATORS = frozenset(
    {"not", "never", "no", "cannot", "can't", "isn't", "aren't", "nor", "without", "neither"}
)
NEGATION_REACH = 3
SENTENCE_BREAK = re.compile(r"(?<=[.;!?])\s+|\n+")
CLAUSE_BREAK = re.compile(r"[,;:.()]")


class Concept(BaseModel):
    """Something a sentence can be about: every group needs one of its terms."""

    model_config = ConfigDict(extra="forbid")

    name: str
    all_of: list[list[str]] = Field(min_length=1)


class StatementConcept(Concept):
    """A concept that a statement must assert, not merely mention."""

    asserts: list[str] = Field(min_length=1)
    opposites: list[str] = []
    dismissals: list[str] = []


class Verdict(Enum):
    ASSERTED = "asserted"
    MISSING = "missing"
    DISMISSED = "dismissed"
    CONTRADICTED = "contradicted"
    NOT_ASSERTED = "not asserted"


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    evidence: str = ""


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[-_\u2010\u2011\u2013\u2014/]", " ", text.lower())).strip()


def sentences(text: str) -> list[str]:
    return [part for part in SENTENCE_BREAK.split(text) if part.strip()]


@cache
def _term_pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])" + re.escape(normalise(term)))


def _occurrences(sentence: str, term: str) -> list[int]:
    return [match.start() for match in _term_pattern(term).finditer(sentence)]


def _negated(sentence: str, position: int) -> bool:
    """A negator among the few words before, within the same clause."""
    clause = CLAUSE_BREAK.split(sentence[:position])[-1]
    preceding = clause.split()[-NEGATION_REACH:]
    return any(word.strip(",()") in NEGATORS for word in preceding)


def affirmed_term(sentence: str, terms: list[str]) -> str | None:
    """The first term that occurs without a negator just before it."""
    for term in terms:
        for position in _occurrences(sentence, term):
            own_negation = normalise(term).split()[0] in NEGATORS
            if own_negation or not _negated(sentence, position):
                return term
    return None


def mentions(text: str, concept: Concept) -> bool:
    """True when one sentence of the text names every group of the concept."""
    return any(_covers(normalise(sentence), concept) for sentence in sentences(text))


def _covers(sentence: str, concept: Concept) -> bool:
    return all(any(_occurrences(sentence, term) for term in group) for group in concept.all_of)


def _windows(text: str) -> list[str]:
    """Single sentences and adjacent pairs, so "These tests are mandatory." can follow its
    subject."""
    parts = [normalise(sentence) for sentence in sentences(text)]
    return parts + [f"{first} {second}" for first, second in pairwise(parts)]


def judge_statement(text: str | None, concept: StatementConcept) -> Judgement:
    """Does the text really assert the concept? A dismissal anywhere, or a sentence that states
    the opposite, spoils it."""
    if text is None or not text.strip():
        return Judgement(Verdict.MISSING)
    dismissal = affirmed_term(normalise(text), concept.dismissals)
    if dismissal is not None:
        return Judgement(Verdict.DISMISSED, dismissal)
    for sentence in map(normalise, sentences(text)):
        opposite = affirmed_term(sentence, concept.opposites)
        if opposite is not None and _covers(sentence, concept):
            return Judgement(Verdict.CONTRADICTED, opposite)
    for window in _windows(text):
        assertion = affirmed_term(window, concept.asserts)
        if assertion is not None and _covers(window, concept):
            return Judgement(Verdict.ASSERTED, assertion)
    return Judgement(Verdict.NOT_ASSERTED)
