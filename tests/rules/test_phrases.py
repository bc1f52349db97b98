import random
import re

import pytest

from specrun.context.terms import Concept, StatementConcept, normalise
from specrun.rules.phrases import (
    NEGATORS,
    TermMatcher,
    Verdict,
    _negated,
    affirmed_term,
    clauses,
    covers,
    excerpt,
    judge_statement,
    negated_term,
    sentences,
    term_matcher,
    windows,
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
        ("Negative-path tests are not optional.", Verdict.ASSERTED),
        ("No negative-path tests are required.", Verdict.CONTRADICTED),
        ("Negative-path tests are deferred, added later.", Verdict.DISMISSED),
        ("Negative-path tests are required, but they will be added later.", Verdict.UNCLEAR),
        ("Negative-path tests are required; wrong-tenant tests are optional.", Verdict.UNCLEAR),
        ("Not applicable.", Verdict.DISMISSED),
        ("Negative-path tests are required and will be added later.", Verdict.DISMISSED),
        ("Negative-path behaviour is described.", Verdict.NOT_ASSERTED),
    ],
)
def test_judge_statement(text: str | None, verdict: Verdict) -> None:
    assert judge_statement(text, TESTS_REQUIRED).verdict is verdict


def test_covers_needs_every_group() -> None:
    concept = Concept(name="binding", all_of=[["route"], ["binding"]])
    assert covers(normalise("Route model binding is scoped."), concept)
    assert not covers(normalise("The route is scoped."), concept)


@pytest.mark.parametrize("form", ["re-specified", "re specify", "respecify", "Re-Specifies"])
def test_word_forms_of_a_prefixed_verb_read_alike(form: str) -> None:
    assert affirmed_term(f"The states are {form} here.", ["respecif"]) == "respecif"
    assert affirmed_term(f"The states are {form} here.", ["re-specif"]) == "re-specif"


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Neither UI-only nor dispatch-time authorization is sufficient.", "is sufficient"),
        ("No negative-path regression tests are required.", "required"),
        ("Spec 111 defines the states, none of which this candidate redefines.", "redefin"),
        ("Livewire public state must never be trusted.", "be trusted"),
        ("The SLA rules are not re-specified.", "respecif"),
    ],
)
def test_a_governing_negation_reaches_its_predicate(text: str, term: str) -> None:
    assert negated_term(text, [term]) == term
    assert affirmed_term(text, [term]) is None


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Jobs that do not re-check membership are insufficient.", "insufficient"),
        ("State with no server-side validation is untrusted.", "untrusted"),
        ("UI checks are not enough, but server checks are required.", "required"),
        (
            "Hidden controls are cosmetic; no control replaces the policy. Tests are required.",
            "required",
        ),
    ],
)
def test_a_negation_does_not_reach_past_its_scope(text: str, term: str) -> None:
    assert affirmed_term(text, [term]) == term


def test_clauses_break_at_punctuation_and_contrast() -> None:
    parts = [clause.text for clause in clauses("A is fine, but B is not; C (D) holds. E")]
    assert parts == ["a is fine", "b is not", "c", "d", "holds.", "e"]


def test_mentions_reach_across_adjacent_passages_only_through_windows() -> None:
    concept = Concept(name="binding", all_of=[["route"], ["binding"]])
    passages = ["The route is scoped.", "Binding is checked.", "Unrelated."]
    assert any(covers(normalise(window), concept) for window in windows(passages))
    assert not any(covers(normalise(window), concept) for window in windows(passages[::2]))


def test_an_excerpt_is_a_verbatim_span_cut_at_a_word() -> None:
    assert excerpt("  a\n  b ") == "a\n  b"
    text = "word " * 200
    trimmed = excerpt(text)
    assert len(trimmed) <= 300 and trimmed in text and trimmed.endswith("word")
    assert "…" not in trimmed
    unbroken = "x" * 400
    assert excerpt(unbroken) == "x" * 300


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        (
            "UI-only authorization is insufficient; only server-side enforcement is sufficient.",
            Verdict.ASSERTED,
        ),
        ("Neither UI-only nor dispatch-time authorization is sufficient.", Verdict.ASSERTED),
        ("UI-only authorization is sufficient.", Verdict.CONTRADICTED),
        ("Not applicable.", Verdict.DISMISSED),
        ("UI authorization was considered and rejected as insufficient.", Verdict.DISMISSED),
        ("UI authorization exists.", Verdict.NOT_ASSERTED),
    ],
)
def test_judge_statement_reads_negation_by_clause(text: str, verdict: Verdict) -> None:
    concept = StatementConcept(
        name="UI-only authorization is insufficient",
        all_of=[["ui", "dispatch"], ["authoriz"]],
        asserts=["insufficient"],
        opposites=["is sufficient"],
        dismissals=["not applicable", "considered and rejected"],
    )
    assert judge_statement(text, concept).verdict is verdict


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "x", "all_of": [["ok", " "]]},
        {"name": "x", "all_of": [[]]},
        {"name": "x", "all_of": [["ok"]], "asserts": ["--"]},
        {"name": "", "all_of": [["ok"]], "asserts": ["a"]},
    ],
)
def test_an_empty_term_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        StatementConcept.model_validate({"asserts": ["a"], **bad})


def naive_first_term(text: str, terms: list[str], *, negated: bool) -> str | None:
    """The first term of the list found clause by clause with one regular expression per
    term, as a reference for the single matcher per list."""
    for clause in clauses(text):
        for term in terms:
            pattern = re.compile(r"(?<![a-z0-9])" + re.escape(normalise(term)))
            for match in pattern.finditer(clause.text):
                own = normalise(term).split()[0] in NEGATORS
                if (not own and _negated(clause, match.start())) == negated:
                    return term
    return None


@pytest.mark.parametrize(
    "terms",
    [
        ["authorization check", "authoriz", "auth", "authorization"],
        ["auth", "authorization check", "Authoriz"],
        ["a", "a a", "a a a", "b"],
        ["re-specify", "respecif", "specify"],
        ["c++ (legacy)", "c", "[x]", "x"],
        ["not a", "a", "never", "b"],
    ],
)
def test_one_matcher_per_list_finds_what_a_pattern_per_term_finds(terms: list[str]) -> None:
    """Terms that are prefixes of one another: the first of the list wins, wherever it is."""
    texts = [
        "The authorization check runs; auth is required.",
        "Authorize it, then authorization.",
        "a a a b",
        "b a",
        "respecify what the spec specifies",
        "c++ (legacy) and [x] x",
        "no authorization check; auth is not required, never a b",
        "nothing here",
    ]
    for text in texts:
        assert affirmed_term(text, terms) == naive_first_term(text, terms, negated=False), text
        assert negated_term(text, terms) == naive_first_term(text, terms, negated=True), text


def test_a_list_is_compiled_once() -> None:
    terms = ["must", "required"]
    assert term_matcher(terms) is term_matcher(list(terms))
    assert term_matcher(terms) is not term_matcher(["required", "must"])


def brute_force_matches(text: str, terms: list[str]) -> list[tuple[int, tuple[int, ...]]]:
    forms = [normalise(term) for term in terms]
    found = []
    for start in range(len(text)):
        if start and (text[start - 1].isascii() and text[start - 1].isalnum()):
            continue
        indices = tuple(i for i, form in enumerate(forms) if text.startswith(form, start))
        if indices:
            found.append((start, indices))
    return found


@pytest.mark.parametrize("seed", range(40))
def test_the_compiled_list_finds_exactly_the_terms_that_start_at_each_word(seed: int) -> None:
    """Many terms sharing prefixes, duplicates and terms that are each other's prefixes, over
    a small alphabet so that they collide: the one pattern agrees with trying every term."""
    chance = random.Random(seed)
    terms = [
        "".join(chance.choice("ab ") for _ in range(chance.randint(1, 6))).strip() or "a"
        for _ in range(chance.randint(1, 30))
    ]
    text = "".join(chance.choice("ab .") for _ in range(80))
    assert list(TermMatcher(terms).matches(text)) == brute_force_matches(text, terms)


def test_a_term_matcher_reports_every_term_at_a_position() -> None:
    matcher = term_matcher(["authorization", "auth", "authorization check", "check"])
    assert list(matcher.matches("authorization check")) == [(0, (0, 1, 2)), (14, (3,))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Queued jobs (e.g. `SyncTenantPoliciesJob`) rely on the check. They run later.",
            ["Queued jobs (e.g. `SyncTenantPoliciesJob`) rely on the check.", "They run later."],
        ),
        (
            "Scope is re-derived, i.e. never read from the client. Cf. Article 3.",
            ["Scope is re-derived, i.e. never read from the client.", "Cf. Article 3."],
        ),
        (
            "Server state vs. client state; the server wins.",
            ["Server state vs. client state;", "the server wins."],
        ),
        ("Done, etc. Next.", ["Done, etc.", "Next."]),
        (
            "Bulk actions and the\nnightly job bypass it\nentirely. Next.",
            ["Bulk actions and the\nnightly job bypass it\nentirely.", "Next."],
        ),
        ("Goals\n- first goal\n- second goal", ["Goals", "- first goal", "- second goal"]),
        ("A heading\n\nA paragraph\n| a | b |", ["A heading", "A paragraph", "| a | b |"]),
    ],
)
def test_a_sentence_goes_on_after_an_abbreviation_or_a_wrapped_line(
    text: str, expected: list[str]
) -> None:
    assert sentences(text) == expected
