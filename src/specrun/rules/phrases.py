"""Judges whether prose asserts a concept, the way a careful reviewer reads it.

A concept is data of the prompt pack: groups of alternative terms that must all occur
(``all_of``), and for explicit statements the words that assert it (``asserts``), the words
that state its opposite (``opposites``) and the phrases that wave it away (``dismissals``).

Reading, in three steps, each linear in the text's length:
- Word forms. Text and terms are folded alike: case, hyphens and slashes become spaces, and a
  detached prefix "re" joins its word, so "re-specified", "re specify" and "respecify" all read
  "respecif...". Terms match at word starts, which covers inflection ("authoriz" matches
  "authorization", "authorized"); a stemmer would add little over that and blur domain words
  such as "OperationRun", so none is used.
- Clauses. Text is cut into sentences, and sentences into clauses at commas, semicolons,
  colons, brackets and contrastive connectors ("but", "whereas", ...). Negation never crosses a
  clause.
- Negation. A verb negator ("not", "never", "cannot", ...) governs the few words after it; a
  determiner negator ("no", "none", "neither", "nor") governs the rest of its clause, so
  "Neither UI-only nor dispatch-time authorization is sufficient" negates "sufficient". A
  negated opposite asserts the concept ("must never be trusted"); a negated assertion, or an
  affirmed opposite, in a clause that names the whole concept contradicts it ("No negative-path
  regression tests are required."); a dismissal ("considered and rejected", "out of scope")
  voids the assertions of its own clause, where its sentence names the concept or the statement
never names all of it ("Not applicable.").

A statement is judged ``asserted``, ``missing``, ``dismissed`` or ``contradicted`` only where
that is certain; mixed or unrecognised wording is ``unclear`` or ``not asserted``, which the
rules leave for review rather than call a breach.
"""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from itertools import pairwise

from specrun.context.terms import Concept, StatementConcept, normalise

VERB_NEGATORS = frozenset(
    {
        "not",
        "never",
        "cannot",
        "can't",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "doesn't",
        "don't",
        "won't",
        "mustn't",
        "shouldn't",
    }
)
DETERMINER_NEGATORS = frozenset({"no", "none", "neither", "nor", "nothing", "nobody"})
# After these, "no" negates only its own noun phrase: "state with no validation is untrusted".
NARROWING = frozenset({"with", "of", "for", "by", "in", "on", "at", "to", "from", "has", "have"})
NEGATORS = VERB_NEGATORS | DETERMINER_NEGATORS
VERB_NEGATION_REACH = 3
LOOK_BACK = 120
SENTENCE_BREAK = re.compile(r"(?<=[.;!?])\s+|\n+")
CLAUSE_BREAK = re.compile(r"[,;:()]|\s(?:but|whereas|while|although|though|however|instead|yet)\s")
EXCERPT_LIMIT = 300
# A short label that opens a statement ("Required:", "Required per Article 6.1:").
HEADING = re.compile(r"((?:[^:.;\n]|\.(?=\S)){1,80}):\s*\S")
HEADING_WORDS = 6
LIST_SEPARATOR = re.compile(r"[,;]\s")


class Verdict(Enum):
    ASSERTED = "asserted"
    MISSING = "missing"
    DISMISSED = "dismissed"
    CONTRADICTED = "contradicted"
    UNCLEAR = "unclear"
    HEDGED = "hedged"
    NOT_ASSERTED = "not asserted"


CERTAIN_BREACHES = frozenset({Verdict.MISSING, Verdict.DISMISSED, Verdict.CONTRADICTED})


@dataclass(frozen=True)
class Judgement:
    """A verdict, the term that decided it and the sentence it was found in."""

    verdict: Verdict
    term: str = ""
    evidence: str = ""


@dataclass(frozen=True)
class Clause:
    text: str
    sentence: str
    negators: tuple[int, ...]

    @property
    def starts_with_only(self) -> bool:
        return self.text.startswith("only ")


def excerpt(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """A verbatim span of the text, at most ``limit`` characters: its whole (stripped), or its
    start cut at a word boundary. Nothing is added or flattened, so the span can be quoted
    back and found; a reader of the whole answer sees where it goes on."""
    span = text.strip()
    if len(span) <= limit:
        return span
    head = span[:limit]
    cut = head.rsplit(None, 1)[0] if len(head.split(None, 1)) > 1 else head
    return cut.rstrip()


def sentences(text: str) -> list[str]:
    return [part.strip() for part in SENTENCE_BREAK.split(text) if part.strip()]


def clauses(text: str) -> list[Clause]:
    found = []
    for sentence in sentences(text):
        for part in CLAUSE_BREAK.split(normalise(sentence)):
            if part := part.strip():
                found.append(Clause(part, sentence, _clause_negators(part)))
    return found


def _clause_negators(clause: str) -> tuple[int, ...]:
    """Where determiner negators that govern the rest of the clause stand."""
    positions = []
    previous = ""
    for match in re.finditer(r"[a-z']+", clause):
        word = match.group(0)
        if word in DETERMINER_NEGATORS and previous not in NARROWING:
            positions.append(match.start())
        previous = word
    return tuple(positions)


@cache
def _term_pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])" + re.escape(normalise(term)))


def _occurrences(text: str, term: str) -> Iterator[int]:
    return (match.start() for match in _term_pattern(term).finditer(text))


def _own_negation(term: str) -> bool:
    return normalise(term).split()[0] in NEGATORS


def _negated(clause: Clause, position: int) -> bool:
    """A determiner negator anywhere before in the clause, or a verb negator just before."""
    if clause.negators and clause.negators[0] < position:
        return True
    before = clause.text[max(0, position - LOOK_BACK) : position].split()
    return any(word in NEGATORS for word in before[-VERB_NEGATION_REACH:])


def _find(clause: Clause, terms: list[str], *, negated: bool) -> str | None:
    """The first term that occurs affirmed (or, with ``negated``, under a negator)."""
    for term in terms:
        for position in _occurrences(clause.text, term):
            is_negated = not _own_negation(term) and _negated(clause, position)
            if is_negated == negated:
                return term
    return None


def affirmed_term(text: str, terms: list[str]) -> str | None:
    """The first term the text uses without a negator governing it."""
    for clause in clauses(text):
        if (term := _find(clause, terms, negated=False)) is not None:
            return term
    return None


def negated_term(text: str, terms: list[str]) -> str | None:
    """The first term the text uses under a negator ("none of which it redefines")."""
    for clause in clauses(text):
        if (term := _find(clause, terms, negated=True)) is not None:
            return term
    return None


def covers(text: str, concept: Concept) -> bool:
    """True when the (normalised) text names a term of every group of the concept."""
    return all(any(_term_pattern(t).search(text) for t in group) for group in concept.all_of)


def coverage(text: str, concept: Concept) -> int:
    return sum(any(_term_pattern(t).search(text) for t in group) for group in concept.all_of)


def windows(passages: list[str]) -> list[str]:
    """Each passage and each pair of neighbours, so a point may span two sentences or items."""
    return passages + [f"{first} {second}" for first, second in pairwise(passages)]


def keyword_used(sentence: str, keywords: Sequence[str]) -> str | None:
    """A keyword used as written ("MAY", not "may"), and not negated ("MAY NOT" forbids)."""
    if not keywords:
        return None
    alternatives = "|".join(re.escape(keyword) for keyword in keywords)
    found = re.search(rf"(?<![\w])(?:{alternatives})(?![\w])(?!\s+NOT\b)", sentence)
    return found.group(0) if found else None


def _heading(text: str, concept: StatementConcept) -> str | None:
    """The assertion of a short label that opens the statement, names nothing of the concept
    itself and heads a list of cases ("Required: membership revoked between dispatch and handle;
    tampered payload"): the statement answers its own field, so the field names what the label
    asserts."""
    match = HEADING.match(text.strip())
    if match is None or len(match.group(1).split()) > HEADING_WORDS:
        return None
    label = clauses(match.group(1))
    listed = text.strip()[match.end(1) + 1 :]
    if len(label) != 1 or coverage(label[0].text, concept) or not LIST_SEPARATOR.search(listed):
        return None
    return _find(label[0], concept.asserts, negated=False)


def judge_statement(
    text: str | None,
    concept: StatementConcept,
    hedges: Sequence[str] = (),
    keywords: Sequence[str] = (),
) -> Judgement:
    """Does the text assert the concept? Certain only when it is absent, waved away or
    contradicted with no assertion beside it, or asserted with no contradiction. An assertion
    whose clause is hedged ("should ideally", or an RFC 2119 "MAY" in its sentence) does not
    count; with no other assertion the statement is ``hedged``, left for review. A statement
    that opens with an asserting label ("Required:") and goes on to name the concept's cases
    asserts its own field's concept."""
    if text is None or not text.strip():
        return Judgement(Verdict.MISSING)
    covered = covers(normalise(text), concept)
    about: dict[str, bool] = {}
    dismissal = contradiction = assertion = doubt = hedged = None
    heading = _heading(text, concept)
    if heading is not None and coverage(normalise(text), concept) > 0:
        covered = True
        assertion = Judgement(Verdict.ASSERTED, heading, sentences(text)[0])
    for clause in clauses(text):
        term = _find(clause, concept.dismissals, negated=False)
        if term is not None and clause.sentence not in about:
            about[clause.sentence] = coverage(normalise(clause.sentence), concept) > 0
        if term is not None and (not covered or about[clause.sentence]):
            if _find(clause, concept.doubts, negated=False) is not None:
                doubt = doubt or Judgement(Verdict.UNCLEAR, term, clause.sentence)
            else:
                dismissal = dismissal or Judgement(Verdict.DISMISSED, term, clause.sentence)
            continue
        if covers(clause.text, concept) and contradiction is None:
            opposite = None if clause.starts_with_only else _opposite(clause, concept)
            if opposite is not None:
                contradiction = Judgement(Verdict.CONTRADICTED, opposite, clause.sentence)
        if assertion is None:
            term = _find(clause, concept.asserts, negated=False) or _find(
                clause, concept.opposites, negated=True
            )
            hedge = None
            if term is not None:
                hedge = _find(clause, list(hedges), negated=False) or keyword_used(
                    clause.sentence, keywords
                )
            if term is not None and hedge is not None:
                hedged = hedged or Judgement(Verdict.HEDGED, hedge, clause.sentence)
            elif term is not None:
                assertion = Judgement(Verdict.ASSERTED, term, clause.sentence)
    breach = contradiction or dismissal
    if assertion is not None and covered:
        if breach is None:
            return assertion
        return Judgement(Verdict.UNCLEAR, breach.term, breach.evidence)
    found = breach or doubt or (hedged if covered else None)
    return found or Judgement(Verdict.NOT_ASSERTED, evidence=text)


def _opposite(clause: Clause, concept: StatementConcept) -> str | None:
    """An affirmed opposite, or an assertion under a governing negation."""
    found = _find(clause, concept.opposites, negated=False)
    negated_assertions = [term for term in concept.asserts if not _own_negation(term)]
    return found or _find(clause, negated_assertions, negated=True)
