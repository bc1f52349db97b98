import pytest

from specrun.phrases import (
    Concept,
    StatementConcept,
    Verdict,
    affirmed_term,
    judge_statement,
    mentions,
    normalise,
)

TESTS_REQUIRED = StatementConcept(
    name="negative tests are required",
    all_of=[["negative path", "wrong tenant"], ["test"]],
    asserts=["required", "must"],
    opposites=["optional"],
    dismissals=["not applicable", "added later"],
)


def test_normalise_folds_case_hyphens_and_space() -> None:
    assert normalise("Negative-Path\n  Tests_Required") == "negative path tests required"


def test_terms_match_at_word_starts_only() -> None:
    assert affirmed_term("authorization is insufficient", ["sufficient"]) is None
    assert affirmed_term("reauthorization happens", ["authoriz"]) is None
    assert affirmed_term("authorization happens", ["authoriz"]) == "authoriz"


def test_a_negator_just_before_a_term_negates_it() -> None:
    assert affirmed_term("tests are not required", ["required"]) is None
    assert affirmed_term("tests are never optional", ["optional"]) is None


def test_negation_stops_at_a_clause_break() -> None:
    assert affirmed_term("it is not optional; they must pass", ["must"]) == "must"


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        (None, Verdict.MISSING),
        ("  ", Verdict.MISSING),
        ("Negative-path tests are required.", Verdict.ASSERTED),
        ("Wrong-tenant tests cover each route. They must pass before merge.", Verdict.ASSERTED),
        ("Negative-path tests are optional.", Verdict.CONTRADICTED),
        ("Negative-path tests are not optional.", Verdict.NOT_ASSERTED),
        ("Not applicable.", Verdict.DISMISSED),
        ("Negative-path tests are required and will be added later.", Verdict.DISMISSED),
        ("Negative-path behaviour is described.", Verdict.NOT_ASSERTED),
    ],
)
def test_judge_statement(text: str | None, verdict: Verdict) -> None:
    assert judge_statement(text, TESTS_REQUIRED).verdict is verdict


def test_mentions_needs_every_group_in_one_sentence() -> None:
    concept = Concept(name="binding", all_of=[["route"], ["binding"]])
    assert mentions("Route model binding is scoped.", concept)
    assert not mentions("The route is scoped. Binding is global.", concept)
