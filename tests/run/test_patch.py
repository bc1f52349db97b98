"""Targeted re-asks: which parts are asked for, the patch schema, and merging by letter."""

import copy
import json
from dataclasses import replace
from typing import Any

import pytest
from fakes import PatchFrom, ScriptedProvider, verdicts

from specrun.context.numbering import NumberingEvidence
from specrun.context.prompt_pack import PackRules
from specrun.document.model import SpecCandidate, SpecCandidates
from specrun.providers import Answer, Usage
from specrun.providers.schemas import strict_schema
from specrun.rules import Violation
from specrun.run.patch import Ask, Part, targeted_ask
from specrun.run.reask import Outcome, run_attempts
from specrun.run.runner import judge_with
from specrun.settings.config import BUILT_IN_PROFILES, JudgeSettings, ReaskMode, RetryPolicy

SYSTEM = "the system prompt"
LIVEWIRE = "livewire_public_state_untrusted"


def attempts(
    provider: ScriptedProvider,
    rules: PackRules,
    numbering: NumberingEvidence,
    max_attempts: int = 3,
    reask: ReaskMode = "targeted",
) -> Outcome:
    return run_attempts(
        provider, SYSTEM, rules, numbering, max_attempts, RetryPolicy(max_retries=0), reask=reask
    )


def without_livewire(document: dict[str, Any], *indexes: int) -> dict[str, Any]:
    broken = copy.deepcopy(document)
    for index in indexes:
        broken["candidates"][index]["explicit_statements"][LIVEWIRE] = None
    return broken


def patch_of(
    document: dict[str, Any], *letters: str, fields: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A patch as a model would write it: ``letters`` of ``document``, whole or these fields."""
    patch: dict[str, Any] = {}
    for letter in letters:
        candidate = document["candidates"][ord(letter) - ord("A")]
        kept = {name: candidate[name] for name in fields} if fields else candidate
        patch[f"candidate_{letter.lower()}"] = {**kept, "letter": letter}
    return patch


def violation(location: str, code: str = "SC302") -> Violation:
    return Violation(code, location, "broken.", "fix it.", "the text")


# Which parts a re-ask asks for.


def test_violations_inside_candidates_ask_for_those_candidates_only(
    valid_document: dict[str, Any],
) -> None:
    found = [
        violation("Candidate C > summary"),
        violation("Candidate A > explicit_statements.x"),
        violation("Candidate C > key_requirements[5]"),
        violation("Candidate C > summary", "SC602"),
    ]
    assert targeted_ask(valid_document, found, parsed=True) == Ask(
        (Part("A", ("explicit_statements",)), Part("C", ("summary", "key_requirements"))),
        closing=False,
    )


@pytest.mark.parametrize("whole", ["direction", "prose", "candidate", "unknown_field", "theme"])
def test_a_violation_of_the_candidate_as_a_whole_asks_for_all_of_it(
    valid_document: dict[str, Any], whole: str
) -> None:
    found = [violation("Candidate B > slug"), violation(f"Candidate B > {whole}")]
    code = "SC101" if whole == "theme" else "SC501"
    if whole == "theme":
        assert targeted_ask(valid_document, [violation("Candidate B > theme", code)], True) is None
        return
    assert targeted_ask(valid_document, found, parsed=True) == Ask((Part("B"),), closing=False)


def test_label_and_spec_number_are_asked_for_together(valid_document: dict[str, Any]) -> None:
    found = [violation("Candidate D > spec_number", "SC201")]
    assert targeted_ask(valid_document, found, parsed=True) == Ask(
        (Part("D", ("label", "spec_number")),), closing=False
    )


def test_a_closing_rule_adds_the_closing_sections(valid_document: dict[str, Any]) -> None:
    found = [violation("closing sections > start_first.candidate", "SC701")]
    assert targeted_ask(valid_document, found, parsed=True) == Ask((), closing=True)
    found.append(violation("Candidate B > slug", "SC103"))
    assert targeted_ask(valid_document, found, parsed=True) == Ask(
        (Part("B", ("slug",)),), closing=True
    )


@pytest.mark.parametrize(
    ("location", "code", "parsed"),
    [
        ("candidates", "SC101", True),
        ("Candidate B > theme", "SC101", True),
        ("answer", "SC104", False),
        ("answer, line 1, column 17", "SC104", False),
        ("closing sections > start_first", "SC104", False),
        ("document", "SC104", False),
        ("Candidate E > slug", "SC104", False),
    ],
)
def test_whole_document_failures_ask_for_the_complete_document(
    valid_document: dict[str, Any], location: str, code: str, parsed: bool
) -> None:
    found = [violation("Candidate A > summary"), violation(location, code)]
    assert targeted_ask(valid_document, found, parsed) is None


def test_all_four_candidates_broken_as_a_whole_ask_for_the_complete_document(
    valid_document: dict[str, Any],
) -> None:
    found = [violation(f"Candidate {letter} > direction", "SC501") for letter in "ABCD"]
    assert targeted_ask(valid_document, found, parsed=True) is None
    fields = [violation(f"Candidate {letter} > summary") for letter in "ABCD"]
    ask = targeted_ask(valid_document, fields, parsed=True)
    assert ask is not None and ask.letters == ("A", "B", "C", "D")


def test_a_document_without_four_candidates_is_never_patched(
    valid_document: dict[str, Any],
) -> None:
    valid_document["candidates"].pop()
    assert targeted_ask(valid_document, [violation("Candidate A > summary")], True) is None


# The patch schema.


@pytest.mark.parametrize("vendor", ["anthropic", "openai"])
def test_the_patch_schema_fixes_the_letters_it_asks_for(
    vendor: str, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    model = Ask((Part("A"), Part("C")), closing=False).response_model(rules, uncertain)
    schema = strict_schema(model, vendor)  # type: ignore[arg-type]
    assert schema["required"] == ["candidate_a", "candidate_c"]
    assert schema["additionalProperties"] is False
    candidate_c = schema["properties"]["candidate_c"]
    if "$ref" in candidate_c:
        candidate_c = schema["$defs"][candidate_c["$ref"].rpartition("/")[2]]
    properties = candidate_c["properties"]
    assert properties["letter"]["enum"] == ["C"]
    assert properties["label"]["enum"] == ["Candidate C"]
    assert properties["theme"]["enum"] == ["findings-workflow-enforcement"]
    assert candidate_c["additionalProperties"] is False
    assert set(candidate_c["required"]) == {*SpecCandidate.model_fields, "letter"}


def test_the_patch_schema_holds_the_closing_sections_only_when_asked(
    rules: PackRules, uncertain: NumberingEvidence
) -> None:
    ask = Ask((Part("B"),), closing=True)
    closing = strict_schema(ask.response_model(rules, uncertain), "openai")
    assert closing["required"] == [
        "candidate_b",
        "recommended_implementation_order",
        "parallel_tracks",
        "start_first",
        "numbering_strategy",
    ]
    only = strict_schema(Ask((), closing=True).response_model(rules, uncertain), "anthropic")
    assert not any(key.startswith("candidate_") for key in only["properties"])


def test_proven_numbering_lets_a_patched_candidate_carry_an_available_number(
    rules: PackRules, uncertain: NumberingEvidence
) -> None:
    proven = replace(uncertain, status="proven", available=(139, 140, 141, 142))
    schema = strict_schema(Ask((Part("D"),), False).response_model(rules, proven), "openai")
    candidate = schema["properties"]["candidate_d"]
    if "$ref" in candidate:
        candidate = schema["$defs"][candidate["$ref"].rpartition("/")[2]]
    assert candidate["properties"]["label"]["enum"] == [
        "Candidate D",
        "Spec 139",
        "Spec 140",
        "Spec 141",
        "Spec 142",
    ]


@pytest.mark.parametrize("vendor", ["anthropic", "openai"])
def test_a_candidate_asked_for_some_fields_holds_only_those_and_its_letter(
    vendor: str, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    ask = Ask((Part("B", ("label", "spec_number", "summary")),), closing=False)
    schema = strict_schema(ask.response_model(rules, uncertain), vendor)  # type: ignore[arg-type]
    candidate = schema["properties"]["candidate_b"]
    if "$ref" in candidate:
        candidate = schema["$defs"][candidate["$ref"].rpartition("/")[2]]
    assert candidate["required"] == ["letter", "label", "spec_number", "summary"]
    assert candidate["additionalProperties"] is False
    assert candidate["properties"]["letter"]["enum"] == ["B"]
    assert candidate["properties"]["label"]["enum"] == ["Candidate B"]


# The loop: a targeted re-ask, merged by letter and judged whole.


def test_a_lapse_in_one_candidate_asks_for_that_candidate_and_merges_it(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    first = without_livewire(valid_document, 3)
    provider = ScriptedProvider(first, PatchFrom(valid_document))
    outcome = attempts(provider, rules, uncertain)
    assert outcome.document == SpecCandidates.model_validate(valid_document)
    initial, reask = provider.requests
    assert reask.system == initial.system == SYSTEM
    assert list(reask.response_model.model_fields) == ["candidate_d"]
    _, previous, request = reask.turns
    assert json.loads(previous.text) == first
    assert f"SC302 at Candidate D > explicit_statements.{LIVEWIRE}" in request.text
    assert "Rewrite only Candidate D (explicit_statements)" in request.text
    patched = outcome.attempts[1].patch
    assert patched is not None
    assert patched.as_dict()["asked"] == ["Candidate D (explicit_statements)"]
    assert json.loads(outcome.attempts[1].answer.raw) == {
        "candidate_d": {
            "explicit_statements": valid_document["candidates"][3]["explicit_statements"],
            "letter": "D",
        }
    }
    assert patched.merged == valid_document
    assert patched.broke == ()


def test_full_mode_asks_for_the_complete_document(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    provider = ScriptedProvider(without_livewire(valid_document, 3), valid_document)
    outcome = attempts(provider, rules, uncertain, reask="full")
    assert outcome.document is not None
    assert provider.requests[1].response_model is SpecCandidates
    assert outcome.attempts[1].patch is None


def test_a_closing_lapse_asks_for_the_closing_sections_alone(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    first = copy.deepcopy(valid_document)
    first["start_first"]["candidate"] = first["recommended_implementation_order"][1]
    provider = ScriptedProvider(first, PatchFrom(valid_document))
    outcome = attempts(provider, rules, uncertain)
    assert outcome.document is not None
    assert "candidate_a" not in provider.requests[1].response_model.model_fields
    assert "start_first" in provider.requests[1].response_model.model_fields


def test_the_merged_document_is_judged_whole_and_what_the_patch_broke_is_reported(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    first = copy.deepcopy(valid_document)
    first["candidates"][0]["slug"] = "Queued Execution"
    clash = copy.deepcopy(valid_document)
    clash["candidates"][0]["slug"] = valid_document["candidates"][1]["slug"]
    provider = ScriptedProvider(first, PatchFrom(clash), PatchFrom(valid_document))
    outcome = attempts(provider, rules, uncertain)
    assert list(provider.requests[1].response_model.model_fields) == ["candidate_a"]
    second = outcome.attempts[1]
    assert second.patch is not None
    assert {(v.code, v.location) for v in second.violations} == {
        ("SC103", "Candidate A > slug"),
        ("SC103", "Candidate B > slug"),
    }
    assert [(v.code, v.location) for v in second.patch.broke] == [("SC103", "Candidate B > slug")]
    assert list(provider.requests[2].response_model.model_fields) == ["candidate_a", "candidate_b"]
    assert outcome.document == SpecCandidates.model_validate(valid_document)


@pytest.mark.parametrize(
    ("mangle", "location", "evidence"),
    [
        (lambda p: p.pop("candidate_d"), "patch > candidate_d", "candidate_a"),
        (
            lambda p: p.update(candidate_b={"working_title": "Tenant query canon, rewritten"}),
            "patch > candidate_b",
            "Tenant query canon, rewritten",
        ),
        (
            lambda p: p["candidate_a"].pop("explicit_statements"),
            "patch > candidate_a.explicit_statements",
            "letter",
        ),
        (
            lambda p: p["candidate_d"].update(slug="livewire-locking"),
            "patch > candidate_d.slug",
            "livewire-locking",
        ),
        (lambda p: p["candidate_a"].update(letter="B"), "patch > candidate_a.letter", "B"),
        (
            lambda p: p["candidate_d"].update(label="Candidate C"),
            "patch > candidate_d.label",
            "Candidate C",
        ),
        (
            lambda p: p["candidate_a"].update(theme="livewire-context-locking"),
            "patch > candidate_a.theme",
            "livewire-context-locking",
        ),
        (lambda p: p.update(summary="x"), "patch > summary", ""),
    ],
    ids=[
        "drops",
        "not-asked",
        "drops-field",
        "field-not-asked",
        "renamed-letter",
        "renamed-label",
        "renamed-theme",
        "foreign",
    ],
)
def test_a_patch_with_the_wrong_letters_is_never_merged_and_is_re_asked(
    valid_document: dict[str, Any],
    rules: PackRules,
    uncertain: NumberingEvidence,
    mangle: Any,
    location: str,
    evidence: str,
) -> None:
    first = without_livewire(valid_document, 0, 3)
    bad = patch_of(valid_document, "A", "D", fields=("explicit_statements",))
    mangle(bad)
    provider = ScriptedProvider(first, bad, PatchFrom(valid_document))
    outcome = attempts(provider, rules, uncertain)
    refused = outcome.attempts[1]
    assert refused.document is None
    assert refused.patch is not None and refused.patch.merged is None
    problem = next(v for v in refused.violations if v.location == location)
    assert problem.code == "SC104"
    assert problem.evidence == evidence
    third = provider.requests[2]
    assert list(third.response_model.model_fields) == ["candidate_a", "candidate_d"]
    _, previous, request = third.turns
    assert json.loads(previous.text) == first
    assert location in request.text
    assert f"SC302 at Candidate A > explicit_statements.{LIVEWIRE}" in request.text
    assert outcome.document == SpecCandidates.model_validate(valid_document)
    assert outcome.best.number == 3


def test_a_candidate_that_was_valid_is_never_replaced(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    first = without_livewire(valid_document, 0)
    sneaky = patch_of(valid_document, "A", "B", fields=("explicit_statements",))
    sneaky["candidate_b"]["summary"] = "A rewritten summary nobody asked for."
    sneaky["candidate_a"]["goals"] = ["A goal nobody asked for."]
    provider = ScriptedProvider(first, sneaky)
    outcome = attempts(provider, rules, uncertain, max_attempts=2)
    assert outcome.document is None
    assert outcome.best.number == 1
    assert outcome.best.document is not None
    kept = outcome.best.document
    assert kept.candidates[1].summary == valid_document["candidates"][1]["summary"]
    assert kept.candidates[0].goals == valid_document["candidates"][0]["goals"]
    problems = {v.location for v in outcome.attempts[1].violations}
    assert problems == {"patch > candidate_b", "patch > candidate_a.goals"}


def test_a_cut_off_patch_re_asks_the_complete_document_from_the_last_one(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    first = without_livewire(valid_document, 3)
    text = json.dumps(patch_of(valid_document, "D", fields=("explicit_statements",)))
    cut = Answer(text[:60], Usage(), "max_tokens")
    provider = ScriptedProvider(first, cut, valid_document)
    outcome = attempts(provider, rules, uncertain)
    assert outcome.document is not None
    third = provider.requests[2]
    assert third.response_model is SpecCandidates
    _, previous, request = third.turns
    assert json.loads(previous.text) == first
    assert "cut off" in request.text
    assert "complete result document" in request.text


def test_a_schema_breach_inside_a_candidate_is_patched(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    first = copy.deepcopy(valid_document)
    first["candidates"][2]["goals"] = "one goal"
    provider = ScriptedProvider(first, PatchFrom(valid_document))
    outcome = attempts(provider, rules, uncertain)
    assert outcome.attempts[0].document is None
    assert list(provider.requests[1].response_model.model_fields) == ["candidate_c"]
    assert outcome.document is not None


def test_a_schema_breach_in_the_closing_sections_asks_for_the_complete_document(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    first = copy.deepcopy(valid_document)
    del first["start_first"]
    provider = ScriptedProvider(first, valid_document)
    outcome = attempts(provider, rules, uncertain)
    assert provider.requests[1].response_model is SpecCandidates
    assert outcome.document is not None


def test_sc101_asks_for_the_complete_document(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    first = copy.deepcopy(valid_document)
    first["candidates"][0], first["candidates"][1] = first["candidates"][1], first["candidates"][0]
    provider = ScriptedProvider(first, valid_document)
    outcome = attempts(provider, rules, uncertain)
    assert "SC101" in {v.code for v in outcome.attempts[0].violations}
    assert provider.requests[1].response_model is SpecCandidates
    assert outcome.document is not None


def test_an_oversized_patch_keeps_the_document_it_was_meant_to_patch(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    first = without_livewire(valid_document, 3)
    limit = len(json.dumps(valid_document)) + 10
    huge = json.dumps(patch_of(valid_document, "D")) + " " * limit
    provider = ScriptedProvider(first, huge, valid_document)
    outcome = run_attempts(
        provider,
        SYSTEM,
        rules,
        uncertain,
        3,
        RetryPolicy(max_retries=0),
        max_answer_bytes=limit,
    )
    assert outcome.document is not None
    assert outcome.attempts[1].violations[0].location == "answer"
    third = provider.requests[2]
    assert third.response_model is SpecCandidates
    assert json.loads(third.turns[1].text) == first


D_QUOTE = "Spec 138 owns the OnboardingDraft identity"


@pytest.mark.usefixtures("unsure")
def test_an_item_the_judge_cleared_in_an_unpatched_part_is_not_judged_again(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    judge = ScriptedProvider(verdicts(("R1", "holds", D_QUOTE)))
    settings = JudgeSettings("anthropic", BUILT_IN_PROFILES["anthropic"])
    lines: list[str] = []
    waits: list[float] = []
    judging = judge_with(judge, settings, rules, RetryPolicy(), lines.append, waits.append)
    provider = ScriptedProvider(without_livewire(valid_document, 0), PatchFrom(valid_document))
    outcome = run_attempts(provider, SYSTEM, rules, uncertain, 3, RetryPolicy(), judge=judging)
    assert outcome.document is not None
    first, second = outcome.attempts
    assert first.judged is not None and first.needs_review == ()
    assert second.judged is None
    assert second.needs_review == ()
    assert len(judge.requests) == 1


@pytest.mark.usefixtures("unsure")
def test_an_item_the_judge_found_broken_is_re_asked_and_judged_again(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    judge = ScriptedProvider(
        verdicts(("R1", "broken", D_QUOTE)), verdicts(("R1", "holds", D_QUOTE))
    )
    settings = JudgeSettings("anthropic", BUILT_IN_PROFILES["anthropic"])
    lines: list[str] = []
    waits: list[float] = []
    judging = judge_with(judge, settings, rules, RetryPolicy(), lines.append, waits.append)
    provider = ScriptedProvider(valid_document, PatchFrom(valid_document))
    outcome = run_attempts(provider, SYSTEM, rules, uncertain, 3, RetryPolicy(), judge=judging)
    assert outcome.document is not None
    assert list(provider.requests[1].response_model.model_fields) == ["candidate_d"]
    assert len(judge.requests) == 2


def test_what_a_refused_patch_quotes_is_short_and_escaped(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    bad = patch_of(valid_document, "A", fields=("explicit_statements",))
    hostile = "\x1b[31m\u202e" + "k" * 100_000 + "\ud800"
    bad[hostile] = {"x": 1}
    bad["candidate_a"]["letter"] = "\x1b]0;owned\x07" * 1000
    provider = ScriptedProvider(without_livewire(valid_document, 0), json.dumps(bad))
    outcome = attempts(provider, rules, uncertain, max_attempts=2)
    problems = outcome.attempts[1].violations
    hostile_key, renamed = (v.location for v in problems)
    assert hostile_key.startswith("patch > \\x1b[31m\\u202ekkk")
    assert renamed == "patch > candidate_a.letter"
    for problem in problems:
        for text in (problem.location, problem.message, problem.evidence):
            assert len(text) < 400
            assert text.isprintable()
            text.encode("utf-8")
