"""Every rule, SC101–SC701: a paraphrase a careful reviewer accepts passes, a real breach fails."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from support import load_fixture

from specrun.numbering import NumberingEvidence
from specrun.prompt_pack import PackRules
from specrun.validation import Violation, validate_document

Document = dict[str, Any]
Mutation = Callable[[Document], None]

PROVEN = NumberingEvidence(
    "proven", (110, 111, 134, 138), (139, 140, 141, 142), ("specs/ directories",), "test"
)


def candidate(document: Document, letter: str) -> dict[str, Any]:
    result: dict[str, Any] = document["candidates"]["ABCD".index(letter)]
    return result


def statement(letter: str, field: str, text: str | None) -> Mutation:
    return lambda document: candidate(document, letter)["explicit_statements"].update({field: text})


def setting(letter: str, **fields: Any) -> Mutation:
    return lambda document: candidate(document, letter).update(fields)


def scrubbing(letter: str, phrase: str) -> Mutation:
    """Remove a phrase from every text of a candidate."""

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return re.sub(re.escape(phrase), "record lookup", value, flags=re.IGNORECASE)
        if isinstance(value, list):
            return [scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        return value

    def mutate(document: Document) -> None:
        index = "ABCD".index(letter)
        document["candidates"][index] = scrub(document["candidates"][index])

    return mutate


def codes(violations: list[Violation]) -> set[str]:
    return {violation.code for violation in violations}


def judge(document: Document, rules: PackRules, evidence: NumberingEvidence) -> list[Violation]:
    return list(validate_document(document, rules, evidence)[1].violations)


UI = "ui_only_authorization_insufficient"
LIVEWIRE = "livewire_public_state_untrusted"
NEGATIVE = "negative_path_regression_tests_required"
AUDIT = "operation_run_audit_hardening"

PARAPHRASES: dict[str, Mutation] = {
    "SC301 presentation is no substitute": statement(
        "B",
        UI,
        "Hiding a button is presentation and never a substitute for authorization "
        "enforced on the server.",
    ),
    "SC301 cannot be relied on": statement(
        "C",
        UI,
        "Permission checks performed only in the form cannot be relied on, because "
        "bulk actions bypass it.",
    ),
    "SC302 tamperable properties": statement(
        "D",
        LIVEWIRE,
        "Values held in Livewire component properties can be tampered with by "
        "any browser and are never accepted as truth.",
    ),
    "SC302 client-controlled": statement(
        "A",
        LIVEWIRE,
        "Identifiers read from Livewire public state are client-controlled and "
        "must be revalidated before dispatch.",
    ),
    "SC303 cannot ship without": statement(
        "C",
        NEGATIVE,
        "The spec cannot ship without regression tests proving that every "
        "forbidden transition is rejected.",
    ),
    "SC303 follow-up sentence": statement(
        "B",
        NEGATIVE,
        "Regression tests cover wrong-tenant access on every route. These tests "
        "are mandatory for release.",
    ),
    "SC303 not optional": statement(
        "D",
        NEGATIVE,
        "Tamper tests for locked identifiers are not optional; they must pass before merge.",
    ),
    "SC304 gains an outcome": statement(
        "A",
        AUDIT,
        "The OperationRun model gains a denied outcome, and every denial must be "
        "recorded in the audit log.",
    ),
    "SC304 coverage extended": statement(
        "C", AUDIT, "Audit coverage is extended to system-initiated transitions."
    ),
    "SC401 C builds on 111": lambda document: candidate(document, "C").update(
        boundary_to_existing_specs=[
            {
                "spec": "111",
                "relationship": "builds on and hardens",
                "statement": "Workflow states and SLA timers stay in Spec 111; this candidate "
                "only enforces them on the server.",
            }
        ]
    ),
    "SC401 D leaves 138 unchanged": lambda document: candidate(document, "D").update(
        boundary_to_existing_specs=[
            {
                "spec": "Spec 138",
                "relationship": "complements",
                "statement": "The draft model of Spec 138 is left unchanged; this candidate "
                "governs component state only.",
            }
        ]
    ),
    "SC402 scope mentions another theme as excluded": lambda document: candidate(document, "A")[
        "scope"
    ].append("Livewire context locking is excluded and handled by Candidate D."),
    "SC602 Phase I is not first person": setting(
        "B", summary="Phase I scopes every tenant-owned query; phase II removes the anti-patterns."
    ),
}

BREACHES: dict[str, tuple[Mutation, str]] = {
    "SC101 three candidates": (lambda d: d["candidates"].pop(), "SC101"),
    "SC101 swapped themes": (
        lambda d: d["candidates"].insert(0, d["candidates"].pop(1)),
        "SC101",
    ),
    "SC102 draft status": (setting("A", status="Draft"), "SC102"),
    "SC103 slug not kebab": (setting("B", slug="Tenant_Query"), "SC103"),
    "SC103 duplicate slug": (setting("B", slug="queued-execution-trust"), "SC103"),
    "SC103 duplicate title": (
        setting("D", working_title="Queued Execution Trust and Scope Continuity"),
        "SC103",
    ),
    "SC104 empty list": (setting("B", goals=[]), "SC104"),
    "SC104 placeholder": (setting("B", summary="TBD"), "SC104"),
    "SC104 blank item": (setting("C", non_goals=["  "]), "SC104"),
    "SC104 missing field": (lambda d: candidate(d, "A").pop("summary"), "SC104"),
    "SC104 unknown field": (setting("A", summmary="typo"), "SC104"),
    "SC104 wrong type": (setting("A", goals="not a list"), "SC104"),
    "SC105 delivery": (setting("A", delivery_recommendation="quick fix"), "SC105"),
    "SC105 priority": (setting("A", implementation_priority="Low"), "SC105"),
    "SC201 number while uncertain": (setting("B", spec_number=139, label="Spec 139"), "SC201"),
    "SC201 label while uncertain": (setting("B", label="Spec 139"), "SC201"),
    "SC202 invented number in text": (
        setting("B", summary="This becomes Spec 141 and extends Specs 110 and 139."),
        "SC202",
    ),
    "SC202 numbering strategy reserves numbers": (
        lambda d: d.update(numbering_strategy="Reserve Spec 139 to Spec 142 for A to D now."),
        "SC202",
    ),
    "SC301 missing": (statement("B", UI, None), "SC301"),
    "SC301 not applicable": (statement("B", UI, "Not applicable."), "SC301"),
    "SC301 says the opposite": (
        statement("B", UI, "UI-only authorization is sufficient for read-only pages."),
        "SC301",
    ),
    "SC302 missing for A": (statement("A", LIVEWIRE, None), "SC302"),
    "SC302 trusted": (
        statement("D", LIVEWIRE, "Livewire public state is trusted once the page has loaded."),
        "SC302",
    ),
    "SC302 mention without assertion": (
        statement("D", LIVEWIRE, "Livewire public state holds the wizard step."),
        "SC302",
    ),
    "SC303 added later": (
        statement("C", NEGATIVE, "Tests for invalid transitions will be added later."),
        "SC303",
    ),
    "SC303 optional": (
        statement("C", NEGATIVE, "Negative-path regression tests are optional."),
        "SC303",
    ),
    "SC303 happy path only": (
        statement("A", NEGATIVE, "Unit tests must cover the successful dispatch."),
        "SC303",
    ),
    "SC304 unchanged": (
        statement("A", AUDIT, "OperationRun and audit semantics remain unchanged."),
        "SC304",
    ),
    "SC304 missing for C": (statement("C", AUDIT, None), "SC304"),
    "SC401 C does not say how it avoids duplicating 111": (
        setting(
            "C",
            boundary_to_existing_specs=[
                {
                    "spec": "Spec 111",
                    "relationship": "extends",
                    "statement": "Builds the enforcement on top of the workflow states.",
                }
            ],
        ),
        "SC401",
    ),
    "SC401 C has no boundary to 111": (
        setting(
            "C",
            boundary_to_existing_specs=[
                {
                    "spec": "Spec 134",
                    "relationship": "depends on",
                    "statement": "Writes transition entries through the audit foundation.",
                }
            ],
        ),
        "SC401",
    ),
    "SC401 D replaces 138": (
        setting(
            "D",
            boundary_to_existing_specs=[
                {
                    "spec": "Spec 138",
                    "relationship": "supersedes",
                    "statement": "Takes over the onboarding draft identity entirely.",
                }
            ],
        ),
        "SC401",
    ),
    "SC401 boundary to a spec that does not exist": (
        lambda d: candidate(d, "B")["boundary_to_existing_specs"].append(
            {"spec": "Spec 120", "relationship": "extends", "statement": "Extends the spec here."}
        ),
        "SC401",
    ),
    "SC402 A scopes in D's theme": (
        lambda d: candidate(d, "A")["scope"].append("Livewire context locking for the wizard."),
        "SC402",
    ),
    "SC402 umbrella title": (
        setting("B", working_title="Query Canon and Findings Lifecycle Hardening"),
        "SC402",
    ),
    "SC501 C misses invalid transitions": (
        setting(
            "C",
            key_requirements=["The lifecycle MUST be enforced on the server."],
            scope=["Lifecycle enforcement for every write path."],
            goals=["Enforcement everywhere."],
            target_model="One service owns every status change and audits it.",
        ),
        "SC501",
    ),
    "SC501 B misses route model binding": (scrubbing("B", "route model binding"), "SC501"),
    "SC601 German": (
        setting(
            "B",
            problem_statement="Die Mandantentrennung wird nur durch Konvention durchgesetzt: "
            "Komponenten laden Datensätze per Primärschlüssel und prüfen danach die Zugehörigkeit.",
        ),
        "SC601",
    ),
    "SC602 first person": (
        setting("B", summary="I recommend scoping all tenant queries."),
        "SC602",
    ),
    "SC602 hedging": (
        setting("B", summary="Queries should perhaps be scoped to the acting tenant."),
        "SC602",
    ),
    "SC602 exclamation": (setting("B", summary="Scope every tenant query on the server!"), "SC602"),
    "SC602 emoji": (setting("B", summary="Scope every tenant query on the server 🚀."), "SC602"),
    "SC701 order repeats a label": (
        lambda d: d.update(
            recommended_implementation_order=[
                "Candidate A",
                "Candidate A",
                "Candidate C",
                "Candidate D",
            ]
        ),
        "SC701",
    ),
    "SC701 start first is not first": (
        lambda d: d["start_first"].update(candidate="Candidate B"),
        "SC701",
    ),
    "SC701 track names a stranger": (
        lambda d: d["parallel_tracks"][0].update(candidates=["Candidate A", "Candidate E"]),
        "SC701",
    ),
    "SC701 no numbering strategy while uncertain": (
        lambda d: d.update(numbering_strategy=""),
        "SC701",
    ),
}


def test_fixture_document_is_valid(
    valid_document: Document, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    assert judge(valid_document, rules, uncertain) == []


def test_document_written_in_another_voice_is_valid(
    rules: PackRules, uncertain: NumberingEvidence
) -> None:
    assert judge(load_fixture("independent-result.json"), rules, uncertain) == []


@pytest.mark.parametrize("mutation", PARAPHRASES.values(), ids=PARAPHRASES.keys())
def test_paraphrase_passes(
    mutation: Mutation, valid_document: Document, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    mutation(valid_document)
    assert judge(valid_document, rules, uncertain) == []


@pytest.mark.parametrize(("mutation", "code"), BREACHES.values(), ids=BREACHES.keys())
def test_breach_is_reported_with_its_code(
    mutation: Mutation,
    code: str,
    valid_document: Document,
    rules: PackRules,
    uncertain: NumberingEvidence,
) -> None:
    mutation(valid_document)
    violations = judge(valid_document, rules, uncertain)
    assert code in codes(violations)
    flagged = next(violation for violation in violations if violation.code == code)
    assert flagged.location and flagged.message and flagged.hint


def test_violation_names_the_candidate_and_field(
    valid_document: Document, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    statement("A", LIVEWIRE, None)(valid_document)
    [violation] = judge(valid_document, rules, uncertain)
    assert violation.location == f"Candidate A > explicit_statements.{LIVEWIRE}"


def test_proven_numbers_may_label_candidates(valid_document: Document, rules: PackRules) -> None:
    for letter, number in zip("ABCD", (139, 140, 141, 142), strict=True):
        setting(letter, spec_number=number, label=f"Spec {number}")(valid_document)
    labels = [f"Spec {number}" for number in (139, 140, 141, 142)]
    valid_document["recommended_implementation_order"] = labels
    valid_document["parallel_tracks"] = [{"candidates": labels[:2], "rationale": "Disjoint."}]
    valid_document["start_first"]["candidate"] = labels[0]
    valid_document["candidates"][2]["dependencies_and_sequencing"] = "After Spec 139."
    assert judge(valid_document, rules, PROVEN) == []


@pytest.mark.parametrize(
    ("number", "message"),
    [(138, "already exists"), (150, "not among the available numbers")],
)
def test_proven_evidence_still_refuses_existing_or_unavailable_numbers(
    valid_document: Document, rules: PackRules, number: int, message: str
) -> None:
    setting("D", spec_number=number, label=f"Spec {number}")(valid_document)
    violations = [v for v in judge(valid_document, rules, PROVEN) if v.code == "SC201"]
    assert any(message in violation.message for violation in violations)


def test_a_proven_number_used_twice_is_refused(valid_document: Document, rules: PackRules) -> None:
    setting("A", spec_number=139, label="Spec 139")(valid_document)
    setting("B", spec_number=139, label="Spec 139")(valid_document)
    violations = judge(valid_document, rules, PROVEN)
    assert any("more than one candidate" in v.message for v in violations if v.code == "SC201")


def test_numbering_strategy_is_optional_when_proven(
    valid_document: Document, rules: PackRules
) -> None:
    valid_document["numbering_strategy"] = ""
    assert judge(valid_document, rules, PROVEN) == []
