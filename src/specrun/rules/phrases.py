"""Judges whether prose asserts a concept, the way a careful reviewer reads it.

A concept is data of the prompt pack: groups of alternative terms that must all occur
(``all_of``), and for explicit statements the words that assert it (``asserts``), the words
that state its opposite (``opposites``) and the phrases that wave it away (``dismissals``).

Reading, in three steps, each linear in the text's length whatever the number of terms:
- Matching. Each term list is compiled once into one ``TermMatcher`` (a trie written as one
  regular expression), and a concept's groups into one ``ConceptMatcher``; a text is scanned
  once per list, never once per term.
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
from functools import lru_cache
from itertools import groupby, pairwise

from specrun.context.terms import Concept, StatementConcept, normalise
from specrun.document.vocabulary import SENTENCE_STOP

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
# A sentence ends at . ; ! ? and a space, but not after "e.g.", "i.e.", "vs." or "cf.", which go
# on ("Queued jobs (e.g. `SyncTenantPoliciesJob`) run ..."); and at a line break that ends a
# paragraph or starts a list item, table row, heading or quote. A line break inside a paragraph
# (Markdown wrapped at a column) goes on too.
SENTENCE_BREAK = re.compile(
    SENTENCE_STOP + r"|\n(?:[ \t]*\n)+|\n(?=[ \t]*(?:[-*+>|#]|\d{1,3}[.)])[ \t])",
    re.IGNORECASE,
)
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


@lru_cache(maxsize=4096)
def clauses(text: str) -> tuple[Clause, ...]:
    """The text's clauses, cut once: every rule reads the same sentences for several lists.
    The cache keeps at most 4,096 texts alive, each no longer than the answer it came from."""
    found = []
    for sentence in sentences(text):
        for part in CLAUSE_BREAK.split(normalise(sentence)):
            if part := part.strip():
                found.append(Clause(part, sentence, _clause_negators(part)))
    return tuple(found)


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


def _own_negation(term: str) -> bool:
    return _folded(term).split()[0] in NEGATORS


class TermMatcher:
    """One term list compiled once: where in a (normalised) text its terms occur.

    Terms match at word starts and may be prefixes of one another ("authoriz", "authorization
    check"), so one position can hold several. The sorted list is written as one regular
    expression shaped like a radix trie: branches begin with distinct characters and a shared
    prefix is written once. A lookahead finds the longest term at every word start in one pass,
    in time linear in the text and bounded by the longest term, whatever the number of terms.
    Every shorter term that also matches there is a prefix of that longest one (``within``).
    """

    def __init__(self, terms: Sequence[str]) -> None:
        self.terms = tuple(terms)
        folded = [_folded(term) for term in self.terms]
        self.own_negation = tuple(form.split()[0] in NEGATORS for form in folded)
        indices: dict[str, list[int]] = {}
        for index, form in enumerate(folded):
            indices.setdefault(form, []).append(index)
        forms = sorted(indices)
        self.within: dict[str, tuple[int, ...]] = {}
        open_prefixes: list[tuple[str, tuple[int, ...]]] = []
        for form in forms:  # a term's prefixes sort before it
            while open_prefixes and not form.startswith(open_prefixes[-1][0]):
                open_prefixes.pop()
            above = open_prefixes[-1][1] if open_prefixes else ()
            self.within[form] = tuple(sorted((*above, *indices[form])))
            open_prefixes.append((form, self.within[form]))
        self.pattern = (
            re.compile(rf"(?<![a-z0-9])(?=({_alternatives(forms, 0)}))") if forms else None
        )

    def matches(self, text: str) -> Iterator[tuple[int, tuple[int, ...]]]:
        """Each word start where terms occur, with their indices in list order."""
        if self.pattern is None:
            return
        for match in self.pattern.finditer(text):
            yield match.start(), self.within[match.group(1)]


@lru_cache(maxsize=4096)
def _folded(term: str) -> str:
    return normalise(term)


def _alternatives(forms: list[str], depth: int) -> str:
    """A pattern for the sorted, distinct ``forms`` past their shared first ``depth``
    characters. Recursion goes one level per branching point, so no deeper than the longest
    term (``MAX_TERM_CHARS``)."""
    ending = len(forms[0]) == depth
    branches = []
    for _, grouped in groupby(forms[1:] if ending else forms, key=lambda form: form[depth]):
        group = list(grouped)
        if len(group) == 1:
            branches.append(re.escape(group[0][depth:]))
            continue
        first, last = group[0], group[-1]  # sorted: what these share, all share
        shared = depth + 1
        while shared < min(len(first), len(last)) and first[shared] == last[shared]:
            shared += 1
        branches.append(re.escape(first[depth:shared]) + _alternatives(group, shared))
    body = "|".join(branches)
    if len(branches) > 1 or (ending and branches):
        body = f"(?:{body})" + ("?" if ending else "")
    return body


@lru_cache(maxsize=512)
def _compiled(terms: tuple[str, ...]) -> TermMatcher:
    return TermMatcher(terms)


def term_matcher(terms: Sequence[str]) -> TermMatcher:
    """The list's matcher, compiled once per distinct list."""
    return _compiled(tuple(terms))


def _negated(clause: Clause, position: int) -> bool:
    """A determiner negator anywhere before in the clause, or a verb negator just before."""
    if clause.negators and clause.negators[0] < position:
        return True
    before = clause.text[max(0, position - LOOK_BACK) : position].split()
    return any(word in NEGATORS for word in before[-VERB_NEGATION_REACH:])


def _find(clause: Clause, matcher: TermMatcher, *, negated: bool) -> str | None:
    """The first term of the list that occurs affirmed (or, with ``negated``, under a
    negator)."""
    best: int | None = None
    for position, indices in matcher.matches(clause.text):
        governed: bool | None = None
        for index in indices:
            if best is not None and index >= best:
                break
            if matcher.own_negation[index]:
                is_negated = False
            else:
                if governed is None:
                    governed = _negated(clause, position)
                is_negated = governed
            if is_negated == negated:
                best = index
                break
        if best == 0:
            break
    return None if best is None else matcher.terms[best]


def affirmed_term(text: str, terms: Sequence[str]) -> str | None:
    """The first term the text uses without a negator governing it."""
    matcher = term_matcher(terms)
    for clause in clauses(text):
        if (term := _find(clause, matcher, negated=False)) is not None:
            return term
    return None


def negated_term(text: str, terms: Sequence[str]) -> str | None:
    """The first term the text uses under a negator ("none of which it redefines")."""
    matcher = term_matcher(terms)
    for clause in clauses(text):
        if (term := _find(clause, matcher, negated=True)) is not None:
            return term
    return None


class ConceptMatcher:
    """A concept's groups as one matcher: which groups a text names, in one pass."""

    def __init__(self, groups: tuple[tuple[str, ...], ...]) -> None:
        self.size = len(groups)
        self.matcher = TermMatcher([term for group in groups for term in group])
        self.group_of = tuple(index for index, group in enumerate(groups) for _ in group)

    def groups(self, text: str, *, enough: int | None = None) -> frozenset[int]:
        """The groups the text names a term of, looking no further once ``enough`` are found."""
        enough = self.size if enough is None else enough
        found: set[int] = set()
        for _, indices in self.matcher.matches(text):
            found.update(self.group_of[index] for index in indices)
            if len(found) >= enough:
                break
        return frozenset(found)

    def named(self, text: str, *, enough: int | None = None) -> int:
        """How many groups the text names a term of, counting no further than ``enough``."""
        return len(self.groups(text, enough=enough))


@lru_cache(maxsize=512)
def _concept_matcher(groups: tuple[tuple[str, ...], ...]) -> ConceptMatcher:
    return ConceptMatcher(groups)


def concept_matcher(concept: Concept) -> ConceptMatcher:
    return _concept_matcher(tuple(tuple(group) for group in concept.all_of))


def covers(text: str, concept: Concept) -> bool:
    """True when the (normalised) text names a term of every group of the concept."""
    matcher = concept_matcher(concept)
    return matcher.named(text) == matcher.size


def groups_named(text: str, concept: Concept) -> frozenset[int]:
    """Which groups of the concept the (normalised) text names a term of, in one pass."""
    return concept_matcher(concept).groups(text)


def coverage(text: str, concept: Concept) -> int:
    return concept_matcher(concept).named(text)


def windows(passages: list[str]) -> list[str]:
    """Each passage and each pair of neighbours, so a point may span two sentences or items."""
    return passages + [f"{first} {second}" for first, second in pairwise(passages)]


@dataclass(frozen=True)
class _StatementTerms:
    dismissals: TermMatcher
    doubts: TermMatcher
    asserts: TermMatcher
    opposites: TermMatcher
    negatable_asserts: TermMatcher

    @classmethod
    def of(cls, concept: StatementConcept) -> "_StatementTerms":
        return cls(
            term_matcher(concept.dismissals),
            term_matcher(concept.doubts),
            term_matcher(concept.asserts),
            term_matcher(concept.opposites),
            term_matcher([term for term in concept.asserts if not _own_negation(term)]),
        )


def keyword_used(sentence: str, keywords: Sequence[str]) -> str | None:
    """A keyword used as written ("MAY", not "may"), and not negated ("MAY NOT" forbids)."""
    if not keywords:
        return None
    alternatives = "|".join(re.escape(keyword) for keyword in keywords)
    found = re.search(rf"(?<![\w])(?:{alternatives})(?![\w])(?!\s+NOT\b)", sentence)
    return found.group(0) if found else None


def _heading(text: str, concept: StatementConcept, terms: _StatementTerms) -> str | None:
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
    return _find(label[0], terms.asserts, negated=False)


def judge_statement(
    text: str | None,
    concept: StatementConcept,
    hedges: Sequence[str] = (),
    keywords: Sequence[str] = (),
) -> Judgement:
    """Does the text assert the concept? Certain only when it is absent, waved away or
    contradicted with no assertion beside it, or asserted with no contradiction. An assertion
    whose clause is hedged ("should ideally", or an RFC 2119 "MAY" in its sentence, or a clause
    that is only a hedge: "Ideally, ...", "..., where feasible") does not count; with no other
    assertion the statement is ``hedged``, left for review. A statement that opens with an
    asserting label over a list of cases ("Required: ...; ...") asserts its own field's
    concept."""
    if text is None or not text.strip():
        return Judgement(Verdict.MISSING)
    terms = _StatementTerms.of(concept)
    hedging = term_matcher(hedges)
    standalone = _standalone_hedges(text, hedging)
    covered = covers(normalise(text), concept)
    about: dict[str, bool] = {}
    dismissal = contradiction = assertion = doubt = hedged = None
    heading = _heading(text, concept, terms)
    if heading is not None and coverage(normalise(text), concept) > 0:
        covered = True
        assertion = Judgement(Verdict.ASSERTED, heading, sentences(text)[0])
    for clause in clauses(text):
        term = _find(clause, terms.dismissals, negated=False)
        if term is not None and clause.sentence not in about:
            about[clause.sentence] = coverage(normalise(clause.sentence), concept) > 0
        if term is not None and (not covered or about[clause.sentence]):
            if _find(clause, terms.doubts, negated=False) is not None:
                doubt = doubt or Judgement(Verdict.UNCLEAR, term, clause.sentence)
            else:
                dismissal = dismissal or Judgement(Verdict.DISMISSED, term, clause.sentence)
            continue
        if covers(clause.text, concept) and contradiction is None:
            opposite = None if clause.starts_with_only else _opposite(clause, terms)
            if opposite is not None:
                contradiction = Judgement(Verdict.CONTRADICTED, opposite, clause.sentence)
        if assertion is None:
            term = _find(clause, terms.asserts, negated=False) or _find(
                clause, terms.opposites, negated=True
            )
            hedge = None
            if term is not None:
                hedge = (
                    _find(clause, hedging, negated=False)
                    or keyword_used(clause.sentence, keywords)
                    or standalone.get(clause.sentence)
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


def _standalone_hedges(text: str, hedging: TermMatcher) -> dict[str, str]:
    """The sentences with a clause that is a hedge and nothing else ("Ideally, ...", "...,
    where feasible."): such a hedge qualifies its whole sentence, with the hedge that does."""
    found: dict[str, str] = {}
    for clause in clauses(text):
        position, indices = next(hedging.matches(clause.text), (None, ()))
        bare = clause.text.rstrip(".!?")
        whole = [i for i in indices if _folded(hedging.terms[i]) == bare]
        if position == 0 and whole:  # only a hedge at the clause's start can be all of it
            found.setdefault(clause.sentence, hedging.terms[whole[0]])
    return found


def _opposite(clause: Clause, terms: _StatementTerms) -> str | None:
    """An affirmed opposite, or an assertion under a governing negation."""
    found = _find(clause, terms.opposites, negated=False)
    return found or _find(clause, terms.negatable_asserts, negated=True)
