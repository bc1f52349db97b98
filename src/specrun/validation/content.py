"""Content rules: the explicit statements (SC301–SC304), boundaries to existing specs (SC401),
no umbrella (SC402) and each candidate's specific direction (SC501). Which candidate needs
what comes from the pack's rules data."""

from collections.abc import Iterator

from specrun.numbering import listing
from specrun.phrases import Judgement, Verdict, affirmed_term, judge_statement, mentions, normalise
from specrun.validation.model import Review, Violation, candidate_texts, where
from specrun.validation.numbering_rules import spec_numbers_named

VERDICT_MESSAGES = {
    Verdict.MISSING: "The statement is missing.",
    Verdict.DISMISSED: "The statement waves the point away ({evidence!r}).",
    Verdict.CONTRADICTED: "The statement says the opposite ({evidence!r}).",
    Verdict.NOT_ASSERTED: "The statement does not explicitly assert it.",
}


def check_statements(review: Review) -> Iterator[Violation]:
    """SC301–SC304: required explicit statements really assert their concept."""
    for field, rule in review.rules.statements.items():
        for letter, candidate in review.candidates():
            if letter not in rule.required_for:
                continue
            judgement: Judgement = judge_statement(
                getattr(candidate.explicit_statements, field), rule.concept
            )
            if judgement.verdict is Verdict.ASSERTED:
                continue
            message = VERDICT_MESSAGES[judgement.verdict].format(evidence=judgement.evidence)
            yield Violation(
                rule.code,
                where(letter, f"explicit_statements.{field}"),
                f"Candidate {letter} must state that {rule.concept.name}. {message}",
                f"State explicitly, in this candidate's terms, that {rule.concept.name}.",
            )


def check_boundaries(review: Review) -> Iterator[Violation]:
    """SC401: boundaries name only existing specs; required boundaries are drawn explicitly."""
    existing = set(review.numbering.in_use)
    for letter, candidate in review.candidates():
        for index, boundary in enumerate(candidate.boundary_to_existing_specs):
            named = spec_numbers_named(f"Spec {boundary.spec}") | spec_numbers_named(boundary.spec)
            if not named or not named <= existing:
                yield Violation(
                    "SC401",
                    where(letter, f"boundary_to_existing_specs[{index}].spec"),
                    f"{boundary.spec!r} is not an existing spec of the repository.",
                    f"Name an existing spec as 'Spec NNN' ({listing(sorted(existing))}).",
                )
    by_letter = dict(review.candidates())
    for required in review.rules.required_boundaries:
        if required.candidate not in by_letter:
            continue
        matching = [
            boundary
            for boundary in by_letter[required.candidate].boundary_to_existing_specs
            if required.spec in spec_numbers_named(f"Spec {boundary.spec}")
        ]
        location = where(required.candidate, "boundary_to_existing_specs")
        relationship = required.relationship[0]
        if not any(
            affirmed_term(normalise(b.relationship), required.relationship) for b in matching
        ):
            yield Violation(
                "SC401",
                location,
                f"Candidate {required.candidate} must state that it {relationship}s "
                f"Spec {required.spec}.",
                f"Add a boundary to Spec {required.spec} whose relationship is '{relationship}s'.",
            )
        elif not any(
            affirmed_term(
                normalise(f"{b.relationship}. {b.statement}"), review.rules.non_duplication
            )
            for b in matching
        ):
            yield Violation(
                "SC401",
                location,
                f"The boundary to Spec {required.spec} does not say how Candidate "
                f"{required.candidate} avoids duplicating it.",
                f"Say what stays in Spec {required.spec} and that this candidate does not "
                "duplicate it.",
            )


def check_umbrella(review: Review) -> Iterator[Violation]:
    """SC402: no candidate claims another candidate's theme as its own scope."""
    signatures = {rule.letter: rule.signatures for rule in review.rules.candidates}
    exemptions = review.rules.umbrella_exemptions
    for letter, candidate in review.candidates():
        claims = [("working_title", candidate.working_title)]
        for field in ("scope", "goals"):
            claims += [(f"{field}[{i}]", item) for i, item in enumerate(getattr(candidate, field))]
        for field, text in claims:
            said = normalise(text)
            if affirmed_term(said, exemptions) is not None and field != "working_title":
                continue
            for other, terms in signatures.items():
                if other != letter and (term := affirmed_term(said, terms)) is not None:
                    yield Violation(
                        "SC402",
                        where(letter, field),
                        f"Candidate {letter} claims Candidate {other}'s theme ({term!r}).",
                        f"Leave that theme to Candidate {other}; reference it as a dependency "
                        "instead of scoping it in.",
                    )


def check_directions(review: Review) -> Iterator[Violation]:
    """SC501: each candidate covers its candidate-specific direction."""
    directions = {rule.letter: rule.directions for rule in review.rules.candidates}
    for letter, candidate in review.candidates():
        text = "\n".join(text for _, text in candidate_texts(candidate))
        missing = [d.name for d in directions.get(letter, []) if not mentions(text, d)]
        if missing:
            yield Violation(
                "SC501",
                where(letter, "direction"),
                f"Candidate {letter} does not cover: {'; '.join(missing)}.",
                "Address each point of the candidate-specific direction in the scope or the "
                "key requirements.",
            )
