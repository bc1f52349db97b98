"""The validate-and-re-ask loop, driven by a scripted provider."""

import copy
import json
from typing import Any

import pytest
from fakes import PatchFrom, ScriptedProvider, verdicts

from specrun.context.numbering import NumberingEvidence
from specrun.context.prompt_pack import PackRules
from specrun.document.model import SpecCandidates
from specrun.errors import ProviderError
from specrun.providers import UNREADABLE, Answer, TransientProviderError, Usage
from specrun.rules import Findings
from specrun.rules.judge import JudgedFindings
from specrun.run.reask import FIRST_REQUEST, Attempt, Judge, Outcome, run_attempts
from specrun.run.runner import judge_with
from specrun.settings.config import BUILT_IN_PROFILES, JudgeSettings, ReaskMode, RetryPolicy

SYSTEM = "the system prompt"
LIVEWIRE = "livewire_public_state_untrusted"


def breaking(document: dict[str, Any], count: int) -> dict[str, Any]:
    """The document with ``count`` violations (statements removed from A, then D)."""
    broken = copy.deepcopy(document)
    for index in (0, 3)[:count]:
        broken["candidates"][index]["explicit_statements"][LIVEWIRE] = None
    return broken


def attempts(
    provider: ScriptedProvider,
    rules: PackRules,
    numbering: NumberingEvidence,
    max_attempts: int = 3,
    waits: list[float] | None = None,
    reask: ReaskMode = "targeted",
) -> Outcome:
    return run_attempts(
        provider,
        SYSTEM,
        rules,
        numbering,
        max_attempts,
        RetryPolicy(max_retries=3),
        sleep=(waits if waits is not None else []).append,
        reask=reask,
    )


def test_a_valid_first_answer_is_taken(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    provider = ScriptedProvider(valid_document)
    outcome = attempts(provider, rules, uncertain)
    assert outcome.document is not None
    assert len(outcome.attempts) == 1
    assert [turn.text for turn in provider.requests[0].turns] == [FIRST_REQUEST]


def test_a_full_reask_sends_the_violations_with_the_previous_answer(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    provider = ScriptedProvider(breaking(valid_document, 1), valid_document)
    outcome = attempts(provider, rules, uncertain, reask="full")
    assert outcome.document is not None
    assert [len(attempt.violations) for attempt in outcome.attempts] == [1, 0]
    first, second = provider.requests
    assert first.system == second.system == SYSTEM
    user, assistant, reask = second.turns
    assert user.text == FIRST_REQUEST
    assert assistant.role == "assistant"
    assert assistant.text == outcome.attempts[0].answer.raw
    assert f"SC302 at Candidate A > explicit_statements.{LIVEWIRE}" in reask.text
    assert "Fix: State explicitly" in reask.text
    assert "complete result document" in reask.text
    assert second.response_model is SpecCandidates


def test_the_reask_quotes_the_text_each_violation_judged(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    broken = copy.deepcopy(valid_document)
    broken["candidates"][1]["summary"] = "Queries should perhaps be scoped to the acting tenant."
    provider = ScriptedProvider(broken, PatchFrom(valid_document))
    attempts(provider, rules, uncertain)
    reask = provider.requests[1].turns[2].text
    assert "SC602 at Candidate B > summary" in reask
    assert "The text judged: 'Queries should perhaps be scoped to the acting tenant.'" in reask


def test_an_unreadable_answer_is_a_failed_attempt_and_re_asked(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    provider = ScriptedProvider('{"candidates": [', valid_document)
    outcome = attempts(provider, rules, uncertain)
    assert outcome.document is not None
    assert len(outcome.attempts) == 2
    reask = provider.requests[1].turns[2].text
    assert reask.startswith("Your previous answer could not be used:\n")
    assert "- SC104 at answer, line 1, column 17: The answer is not valid JSON" in reask
    assert "The text judged: '{\"candidates\": ['." in reask
    assert outcome.attempts[0].document is None
    assert [v.code for v in outcome.attempts[0].violations] == ["SC104"]


def test_a_lone_surrogate_in_an_answer_is_re_asked_as_encodable_text(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    broken = copy.deepcopy(valid_document)
    broken["candidates"][1]["summary"] = "Queries should perhaps \ud800 be scoped."
    provider = ScriptedProvider(json.dumps(broken, ensure_ascii=False), PatchFrom(valid_document))
    outcome = attempts(provider, rules, uncertain)
    assert outcome.document is not None
    for turn in provider.requests[1].turns:
        turn.text.encode("utf-8")
    assert "\ufffd" in provider.requests[1].turns[1].text
    assert "\ud800" in outcome.attempts[0].answer.raw


def test_schema_breaches_are_re_asked_with_their_locations_and_evidence(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    broken = copy.deepcopy(valid_document)
    del broken["candidates"][1]["slug"]
    broken["candidates"][2]["goals"] = "one goal"
    provider = ScriptedProvider(broken, PatchFrom(valid_document))
    outcome = attempts(provider, rules, uncertain)
    assert outcome.document is not None
    reask = provider.requests[1].turns[2].text
    assert "could not be read" not in reask
    assert "- SC104 at Candidate B > slug: The item is missing. Fix:" in reask
    assert (
        "- SC104 at Candidate C > goals: The item is malformed: Input should be a valid list. "
        "The text judged: 'one goal'. Fix:"
    ) in reask


def test_only_the_latest_answer_is_re_sent(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    provider = ScriptedProvider(
        breaking(valid_document, 2),
        PatchFrom(breaking(valid_document, 1)),
        PatchFrom(valid_document),
    )
    attempts(provider, rules, uncertain)
    third = provider.requests[2]
    assert len(third.turns) == 3
    assert "Candidate D" not in third.turns[2].text


def test_exhaustion_keeps_the_draft_with_fewest_violations(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    provider = ScriptedProvider(
        breaking(valid_document, 2), breaking(valid_document, 1), breaking(valid_document, 2)
    )
    outcome = attempts(provider, rules, uncertain, max_attempts=3, reask="full")
    assert outcome.document is None
    assert len(outcome.attempts) == 3
    assert outcome.best.number == 2
    assert outcome.usage.input_tokens == 300


def test_max_attempts_counts_model_answers(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    provider = ScriptedProvider(breaking(valid_document, 1), valid_document)
    outcome = attempts(provider, rules, uncertain, max_attempts=1)
    assert outcome.document is None
    assert len(provider.requests) == 1


def test_transient_faults_use_no_attempt_and_never_reach_the_model(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    provider = ScriptedProvider(
        TransientProviderError("HTTP 429", retry_after=3.0),
        TransientProviderError("HTTP 529"),
        valid_document,
    )
    waits: list[float] = []
    outcome = attempts(provider, rules, uncertain, max_attempts=1, waits=waits)
    assert outcome.document is not None
    assert len(outcome.attempts) == 1
    assert len(waits) == 2
    assert waits[0] >= 3.0
    assert provider.requests[0] == provider.requests[2]


def test_a_permanent_provider_error_stops_the_run(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    provider = ScriptedProvider(ProviderError("authentication failed"), valid_document)
    with pytest.raises(ProviderError, match="authentication failed"):
        attempts(provider, rules, uncertain)
    assert len(provider.requests) == 1


D_QUOTE = "Spec 138 owns the OnboardingDraft identity"


def judging(provider: ScriptedProvider, rules: PackRules, lines: list[str]) -> Judge:
    settings = JudgeSettings("anthropic", BUILT_IN_PROFILES["anthropic"])
    waits: list[float] = []
    return judge_with(
        provider, settings, rules, RetryPolicy(max_retries=1), lines.append, waits.append
    )


@pytest.mark.usefixtures("unsure")
def test_a_good_answer_with_only_unsure_items_is_valid_in_one_attempt(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    judge = ScriptedProvider(verdicts(("R1", "holds", D_QUOTE)))
    provider = ScriptedProvider(valid_document)
    outcome = run_attempts(
        provider, SYSTEM, rules, uncertain, 3, RetryPolicy(), judge=judging(judge, rules, [])
    )
    assert outcome.document is not None
    assert len(outcome.attempts) == 1
    assert outcome.attempts[0].needs_review == ()
    assert outcome.usage.input_tokens == 100 + 40
    assert len(judge.requests) == 1


@pytest.mark.usefixtures("unsure")
def test_a_lapse_the_judge_confirms_is_re_asked_with_its_evidence(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    judge = ScriptedProvider(
        verdicts(("R1", "broken", D_QUOTE)), verdicts(("R1", "holds", D_QUOTE))
    )
    provider = ScriptedProvider(valid_document, PatchFrom(valid_document))
    outcome = run_attempts(
        provider, SYSTEM, rules, uncertain, 3, RetryPolicy(), judge=judging(judge, rules, [])
    )
    assert outcome.document is not None
    first, second = outcome.attempts
    assert [v.code for v in first.violations] == ["SC401"]
    assert first.violations[0].evidence == D_QUOTE
    reask = provider.requests[1].turns[2].text
    assert "SC401 at Candidate D > boundary_to_existing_specs" in reask
    assert f"The text judged: {D_QUOTE!r}." in reask
    assert "The judge found it broken" in reask
    assert second.valid


@pytest.mark.usefixtures("unsure")
def test_a_judge_that_fails_for_good_leaves_the_items_for_review(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    judge = ScriptedProvider(ProviderError("authentication failed (HTTP 401)"))
    outcome = run_attempts(
        ScriptedProvider(valid_document),
        SYSTEM,
        rules,
        uncertain,
        3,
        RetryPolicy(),
        judge=judging(judge, rules, []),
    )
    assert outcome.document is not None
    attempt = outcome.attempts[0]
    assert [item.code for item in attempt.needs_review] == ["SC401"]
    assert attempt.judged is not None
    assert attempt.judged.problem == "authentication failed (HTTP 401)"


@pytest.mark.usefixtures("unsure")
def test_an_unreadable_judgement_leaves_the_items_and_the_answer_stands(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    judge = ScriptedProvider(Answer("not verdicts", Usage(), "end_turn"))
    outcome = run_attempts(
        ScriptedProvider(valid_document),
        SYSTEM,
        rules,
        uncertain,
        3,
        RetryPolicy(),
        judge=judging(judge, rules, []),
    )
    assert outcome.document is not None
    assert len(outcome.attempts[0].needs_review) == 1


def test_an_unreadable_response_is_not_replayed_to_the_model_as_its_answer(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    body = Answer('{"id": "odd", "choices": []}', Usage(), UNREADABLE)
    provider = ScriptedProvider(body, valid_document)
    outcome = attempts(provider, rules, uncertain)
    assert outcome.document is not None
    assert outcome.attempts[0].answer.raw == body.raw
    assert provider.requests[1].turns[1].text == "(no answer)"
    assert "held no answer" in provider.requests[1].turns[2].text


def test_an_oversized_answer_is_unusable_and_not_repeated_back(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    provider = ScriptedProvider(valid_document, valid_document)
    outcome = run_attempts(
        provider,
        SYSTEM,
        rules,
        uncertain,
        2,
        RetryPolicy(max_retries=0),
        max_answer_bytes=len(json.dumps(valid_document)) - 1,
    )
    assert outcome.document is None
    first = outcome.attempts[0]
    assert first.document is None
    [oversized] = first.violations
    assert (oversized.code, oversized.location) == ("SC104", "answer")
    assert "over the limit of" in oversized.message
    assert "SPECRUN_MAX_ANSWER_BYTES" in oversized.message
    assert first.answer.raw == json.dumps(valid_document)
    _, repeated, reask = provider.requests[1].turns
    assert repeated.text == "(the previous answer was too large to repeat)"
    assert "could not be used:\n- SC104 at answer: The answer is" in reask.text


@pytest.mark.usefixtures("unsure")
def test_a_paid_answer_is_reported_even_when_the_judge_is_interrupted(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    seen: list[Attempt] = []

    def interrupted(document: SpecCandidates, findings: Findings) -> JudgedFindings:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_attempts(
            ScriptedProvider(valid_document),
            SYSTEM,
            rules,
            uncertain,
            3,
            RetryPolicy(),
            on_attempt=seen.append,
            judge=interrupted,
        )
    [attempt] = seen
    assert attempt.document is not None
    assert [item.code for item in attempt.needs_review] == ["SC401"]
    assert attempt.judged is None


def test_an_answer_that_gives_a_key_twice_is_re_asked(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    """JSON's last value would win silently: "Rejected maybe", then "Proposed"."""
    text = json.dumps(valid_document)
    ambiguous = text.replace(
        '"status": "Proposed"', '"status": "Rejected maybe", "status": "Proposed"', 1
    )
    provider = ScriptedProvider(ambiguous, valid_document)
    outcome = attempts(provider, rules, uncertain)
    assert outcome.document is not None
    assert len(outcome.attempts) == 2
    assert outcome.attempts[0].document is None
    [violation] = outcome.attempts[0].violations
    assert (violation.code, violation.location) == ("SC104", "answer")
    assert (
        violation.message
        == "The answer is ambiguous: the key 'status' appears twice in one object."
    )
    assert "- SC104 at answer: The answer is ambiguous" in provider.requests[1].turns[2].text
