"""Content rules: the explicit statements (SC301–SC304), boundaries to existing specs (SC401),
no umbrella (SC402) and each candidate's specific direction (SC501). Which candidate needs
what, and the words that decide it, come from the pack's rules data.

Only certainty makes a violation: a required statement null, waved away or contradicted; a
boundary to a spec that does not exist, or none at all where one is required; a scope item that
names another candidate's theme unmistakably. Whatever the terms cannot decide (a statement
whose assertion they do not recognise, a boundary that never uses a non-duplication phrase, a
direction point they do not find, a scope item that only resembles another theme) is left for
review.
"""

from collections.abc import Iterator
from itertools import pairwise

from specrun.context.numbering import listing
from specrun.context.prompt_pack import CandidateRules, RequiredBoundary, StatementRule
from specrun.context.terms import normalise
from specrun.document.model import SpecCandidate
from specrun.rules.findings import Review, ReviewItem, Span, Violation, where
from specrun.rules.numbering import plausible, spec_numbers_named
from specrun.rules.phrases import (
    CERTAIN_BREACHES,
    Judgement,
    Verdict,
    affirmed_term,
    coverage,
    covers,
    excerpt,
    groups_named,
    judge_statement,
    negated_term,
    sentences,
    windows,
)

VERDICT_MESSAGES = {
    Verdict.MISSING: "The statement is missing.",
    Verdict.DISMISSED: "The statement waves the point away ({term!r}).",
    Verdict.CONTRADICTED: "The statement says the opposite ({term!r}).",
    Verdict.UNCLEAR: "The statement asserts it but also says {term!r}, which may take it back.",
    Verdict.HEDGED: "The statement hedges it ({term!r}) instead of asserting it.",
    Verdict.NOT_ASSERTED: "The terms do not recognise an explicit assertion.",
}
# Fields where a candidate states what it will do. Problems, risks and statements describe, and
# non_goals exclude, so none of them counts towards a direction or as a claim on another theme.
DIRECTION_FIELDS = ("summary", "goals", "scope", "target_model", "key_requirements")
CLAIM_FIELDS = ("scope", "goals", "key_requirements")


def check_statements(review: Review) -> Iterator[Violation | ReviewItem]:
    """SC301–SC304: required explicit statements really assert their concept."""
    for field, rule in review.rules.statements.items():
        for letter, candidate in review.candidates():
            if letter not in rule.required_for:
                continue
            text = getattr(candidate.explicit_statements, field)
            if text is None and letter in review.whole_texts:
                yield from _statement_in_prose(
                    letter, field, review.whole_texts[letter], rule, review
                )
                continue
            judgement: Judgement = judge_statement(
                text,
                rule.concept,
                review.rules.statement_hedges,
                review.rules.optional_keywords,
            )
            if judgement.verdict is Verdict.ASSERTED:
                continue
            verdict = Violation if judgement.verdict in CERTAIN_BREACHES else ReviewItem
            message = VERDICT_MESSAGES[judgement.verdict].format(term=judgement.term)
            yield verdict(
                rule.code,
                where(letter, f"explicit_statements.{field}"),
                f"Candidate {letter} must state that {rule.concept.name}. {message}",
                f"State explicitly, in this candidate's terms, that {rule.concept.name}.",
                excerpt(judgement.evidence or (text or "")),
            )


def _statement_in_prose(
    letter: str, field: str, text: str, rule: StatementRule, review: Review
) -> Iterator[ReviewItem]:
    """A statement a candidate makes somewhere in its own words: asserted where a sentence,
    or two adjacent ones, assert the concept without a hedge. Prose that never does is left for
    review, not called a breach: a term list cannot prove an agent's paraphrase absent. Where
    the only assertion is hedged ("should ideally"), the item shows that sentence."""
    concept = rule.concept
    passages = sentences(text)
    named = [groups_named(normalise(passage), concept) for passage in passages]
    spans = [(p, n) for p, n in zip(passages, named, strict=True)]
    spans += [
        (f"{first} {second}", named[i] | named[i + 1])
        for i, (first, second) in enumerate(pairwise(passages))
    ]
    best, best_coverage = "", -1
    hedged: Judgement | None = None
    for passage, groups in spans:
        if len(groups) == len(concept.all_of):
            judgement = judge_statement(
                passage, concept, review.rules.statement_hedges, review.rules.optional_keywords
            )
            if judgement.verdict is Verdict.ASSERTED:
                return
            if judgement.verdict is Verdict.HEDGED and hedged is None:
                hedged = judgement
        if len(groups) > best_coverage:
            best, best_coverage = passage, len(groups)
    found = (
        VERDICT_MESSAGES[Verdict.HEDGED].format(term=hedged.term)
        if hedged is not None
        else "The terms find no sentence of the candidate that explicitly says so."
    )
    yield ReviewItem(
        rule.code,
        where(letter, f"explicit_statements.{field}"),
        f"Candidate {letter} must state that {concept.name}. {found}",
        f"State explicitly, in this candidate's terms, that {concept.name}.",
        excerpt(hedged.evidence if hedged is not None else best or text),
    )


def check_boundaries(review: Review) -> Iterator[Violation | ReviewItem]:
    """SC401: boundaries name only existing specs; required boundaries are drawn explicitly."""
    existing = set(review.numbering.in_use)
    for letter, candidate in review.candidates():
        if not existing:
            break  # not the target repository: which specs exist is unknown
        for index, boundary in enumerate(candidate.boundary_to_existing_specs):
            named = plausible(
                spec_numbers_named(f"Spec {boundary.spec}") | spec_numbers_named(boundary.spec),
                review.numbering,
            )
            if not named or not named <= existing:
                yield Violation(
                    "SC401",
                    where(letter, f"boundary_to_existing_specs[{index}].spec"),
                    f"{boundary.spec!r} is not an existing spec of the repository.",
                    f"Name an existing spec as 'Spec NNN' ({listing(sorted(existing))}).",
                    excerpt(boundary.spec),
                )
    by_letter = dict(review.candidates())
    for required in review.rules.required_boundaries:
        if required.candidate in by_letter:
            yield from _required_boundary(review, required.candidate, by_letter, required)


def _required_boundary(
    review: Review, letter: str, by_letter: dict[str, SpecCandidate], required: RequiredBoundary
) -> Iterator[Violation | ReviewItem]:
    rules, spec = review.rules, required.spec
    matching = [
        boundary
        for boundary in by_letter[letter].boundary_to_existing_specs
        if spec in spec_numbers_named(f"Spec {boundary.spec}")
    ]
    location = where(letter, "boundary_to_existing_specs")
    relationship = required.relationship[0]
    boundaries = by_letter[letter].boundary_to_existing_specs
    if not matching:
        yield Violation(
            "SC401",
            location,
            f"Candidate {letter} draws no boundary to Spec {spec}; it must state that it "
            f"{relationship}s it.",
            f"Add a boundary to Spec {spec} whose relationship is '{relationship}s'.",
            spans=tuple(
                Span(where(letter, f"boundary_to_existing_specs[{index}].spec"), excerpt(b.spec))
                for index, b in enumerate(boundaries)
            ),
        )
        return
    yield from _taken_over(review, letter, by_letter[letter], required)
    parts = [
        (where(letter, f"boundary_to_existing_specs[{index}].{part}"), getattr(b, part))
        for index, b in enumerate(boundaries)
        if b in matching
        for part in ("relationship", "statement")
    ]
    drawn = tuple(Span(field, excerpt(text)) for field, text in parts)
    said = " ".join(f"{b.relationship}. {b.statement}" for b in matching)
    if not any(
        affirmed_term(b.relationship, required.relationship) or _states(b.statement, required)
        for b in matching
    ):
        yield ReviewItem(
            "SC401",
            location,
            f"The terms do not find that Candidate {letter} {relationship}s Spec {spec}.",
            f"State in the boundary to Spec {spec} that the candidate {relationship}s it.",
            spans=drawn,
        )
    replacing = _replacement(parts, rules.replacement_claims, rules.non_duplication)
    if replacing is not None:
        replacement, sentence = replacing
        yield ReviewItem(
            "SC401",
            location,
            f"The boundary to Spec {spec} may claim to replace it ({replacement!r}).",
            f"Build on Spec {spec} instead of replacing it; say what stays there.",
            spans=(sentence,),
        )
    elif affirmed_term(said, rules.non_duplication) is None and not _firm_denial(
        said, rules.duplication_verbs, rules.soft_commitments
    ):
        yield ReviewItem(
            "SC401",
            location,
            f"The terms do not find how Candidate {letter} avoids duplicating Spec {spec}.",
            f"Say what stays in Spec {spec} and that this candidate does not duplicate it.",
            spans=drawn,
        )


def _states(statement: str, required: RequiredBoundary) -> bool:
    """A sentence of the statement that names the relationship to the spec ("C extends Spec
    111 and does not duplicate it") where the relationship field does not."""
    return any(
        f"spec {required.spec}" in normalise(sentence)
        and affirmed_term(sentence, required.relationship) is not None
        for sentence in sentences(statement)
    )


def _firm_denial(said: str, verbs: list[str], soft: list[str]) -> bool:
    """A sentence that denies duplicating ("none of which it redefines") as a decision, not as
    an aspiration ("It should not duplicate Spec 138 and should be aligned with it")."""
    return any(
        negated_term(sentence, verbs) is not None and affirmed_term(sentence, soft) is None
        for sentence in sentences(said)
    )


def _taken_over(
    review: Review, letter: str, candidate: SpecCandidate, required: RequiredBoundary
) -> Iterator[ReviewItem]:
    """Items that take on what the extended spec already specifies, without deferring to it:
    one question per candidate and owned concern, with every such item as a span."""
    keeps = [
        *review.rules.non_duplication,
        *review.rules.umbrella_exemptions,
        f"spec {required.spec}",
    ]
    for owned in required.owned:
        found = [
            (f"{field}[{index}]", item)
            for field in CLAIM_FIELDS
            for index, item in enumerate(getattr(candidate, field))
            if covers(normalise(item), owned) and affirmed_term(normalise(item), keeps) is None
        ]
        if found:
            yield ReviewItem(
                "SC401",
                where(letter, ", ".join(field for field, _ in found)),
                f"{_items(len(found))} may re-specify what Spec {required.spec} already owns "
                f"({owned.name}).",
                f"Leave {owned.name} to Spec {required.spec}; reference it instead of "
                "specifying it again.",
                spans=tuple(Span(where(letter, field), excerpt(item)) for field, item in found),
            )


def _items(count: int) -> str:
    return "The item" if count == 1 else f"{count} items"


def _replacement(
    parts: list[tuple[str, str]], claims: list[str], keeps: list[str]
) -> tuple[str, Span] | None:
    """The first replacement claim of the boundary, with its sentence as a span, unless that
    sentence also keeps the spec's ownership ("takes over the items Spec 111 declared out of
    scope" takes over what the spec leaves out, not the spec)."""
    for field, text in parts:
        for sentence in sentences(text):
            claim = affirmed_term(sentence, claims)
            if claim is not None and affirmed_term(sentence, keeps) is None:
                return claim, Span(field, excerpt(sentence))
    return None


def check_umbrella(review: Review) -> Iterator[Violation | ReviewItem]:
    """SC402: no candidate claims another candidate's theme as its own scope. A certain claim
    is a violation per item; items that only resemble another theme make one question per
    candidate and theme, with every such item as a span."""
    rules = review.rules
    for letter, candidate in review.candidates():
        claims = [("working_title", candidate.working_title)]
        for field in CLAIM_FIELDS:
            claims += [(f"{field}[{i}]", item) for i, item in enumerate(getattr(candidate, field))]
        for other in rules.candidates:
            if other.letter == letter:
                continue
            exemptions = [*rules.umbrella_exemptions, f"candidate {other.letter}"]
            resembling: list[tuple[str, str]] = []
            marker_names: list[str] = []
            for field, text in claims:
                said = normalise(text)
                if field != "working_title" and affirmed_term(said, exemptions) is not None:
                    continue
                if (term := affirmed_term(text, other.signatures)) is not None:
                    yield Violation(
                        "SC402",
                        where(letter, field),
                        f"Candidate {letter} claims Candidate {other.letter}'s theme ({term!r}).",
                        _umbrella_hint(other),
                        excerpt(text),
                    )
                    continue
                marker = next((m for m in other.theme_markers if covers(said, m)), None)
                if marker is not None:
                    resembling.append((field, text))
                    marker_names += [marker.name] if marker.name not in marker_names else []
            if resembling:
                yield ReviewItem(
                    "SC402",
                    where(letter, ", ".join(field for field, _ in resembling)),
                    f"Candidate {letter} may claim Candidate {other.letter}'s theme "
                    f"({'; '.join(marker_names)}).",
                    _umbrella_hint(other),
                    spans=tuple(
                        Span(where(letter, field), excerpt(text)) for field, text in resembling
                    ),
                )


def _umbrella_hint(other: CandidateRules) -> str:
    return (
        f"Leave that theme to Candidate {other.letter}; reference it as a dependency instead "
        "of scoping it in."
    )


def direction_passages(candidate: SpecCandidate) -> list[tuple[str, str]]:
    """The candidate's sentences and list items in reading order, non-goals left out, each with
    the field it is in."""
    passages: list[tuple[str, str]] = []
    for field in DIRECTION_FIELDS:
        value = getattr(candidate, field)
        if isinstance(value, list):
            named = [(f"{field}[{index}]", item) for index, item in enumerate(value)]
        else:
            named = [(field, value)]
        passages += [(name, sentence) for name, text in named for sentence in sentences(text)]
    return passages


def check_directions(review: Review) -> Iterator[ReviewItem]:
    """SC501: each candidate covers its candidate-specific direction, judged over single and
    adjacent sentences and items. Terms can miss a paraphrase, so a point not found is left
    for review."""
    directions = {rule.letter: rule.directions for rule in review.rules.candidates}
    for letter, candidate in review.candidates():
        passages = direction_passages(candidate)
        pairs = [[passage] for passage in passages] + [list(pair) for pair in pairwise(passages)]
        folded = windows([normalise(text) for _, text in passages])
        for direction in directions.get(letter, []):
            if any(covers(window, direction) for window in folded):
                continue
            scores = [coverage(window, direction) for window in folded]
            closest = pairs[scores.index(max(scores))] if scores else []
            shown = closest or [("working_title", candidate.working_title)]
            yield ReviewItem(
                "SC501",
                where(letter, "direction"),
                f"The terms do not find that Candidate {letter} covers: {direction.name}.",
                "Address each point of the candidate-specific direction in the scope or the "
                "key requirements.",
                spans=tuple(Span(where(letter, field), excerpt(text)) for field, text in shown),
            )
