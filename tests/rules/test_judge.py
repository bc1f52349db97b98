"""The judge: one batched request per answer, and no verdict taken without its quote."""

import copy
import json
from typing import Any

import pytest
from fakes import D_BOUNDARY, ScriptedProvider, verdicts

from specrun.context.prompt_pack import PackRules
from specrun.document.model import SpecCandidates
from specrun.errors import ProviderError
from specrun.providers import Answer, TransientProviderError, Usage
from specrun.rules import Findings, ReviewItem, Violation
from specrun.rules.judge import JudgedFindings, JudgeVerdicts, describe_judgement, judge_findings
from specrun.settings.config import RetryPolicy

D_STATEMENT = "Spec 138 owns the OnboardingDraft identity"
C_STATEMENT = "Spec 111 remains the owner of states, SLA timers and notifications"


def item(code: str, location: str, evidence: str = "") -> ReviewItem:
    return ReviewItem(code, location, f"In doubt: {code}.", f"Fix {code}.", evidence)


BOUNDARY = item("SC401", D_BOUNDARY, D_STATEMENT)
DIRECTION = item("SC501", "Candidate C > direction", "reopen and recurrence semantics")
CERTAIN = Violation("SC302", "Candidate A > explicit_statements", "Missing.", "Add it.")


def judged(
    document: SpecCandidates,
    rules: PackRules,
    answer: Answer | BaseException,
    *items: ReviewItem,
    waits: list[float] | None = None,
) -> tuple[JudgedFindings, ScriptedProvider]:
    provider = ScriptedProvider(answer)
    result = judge_findings(
        provider,
        "judge-model",
        document,
        Findings((CERTAIN,), items),
        rules.rubrics,
        RetryPolicy(max_retries=2),
        sleep=(waits if waits is not None else []).append,
    )
    return result, provider


@pytest.fixture
def document(valid_document: dict[str, Any]) -> SpecCandidates:
    return SpecCandidates.model_validate(valid_document)


def test_a_cleared_item_drops_out_and_a_confirmed_one_becomes_a_violation(
    document: SpecCandidates, rules: PackRules
) -> None:
    answer = verdicts(
        ("R1", "holds", D_STATEMENT), ("R2", "broken", "reopen and recurrence semantics")
    )
    result, provider = judged(document, rules, answer, DIRECTION, BOUNDARY)
    assert len(provider.requests) == 1
    assert result.findings.needs_review == ()
    breach = [v for v in result.findings.violations if v.code == "SC501"]
    assert breach == [
        Violation(
            "SC501",
            "Candidate C > direction",
            "In doubt: SC501. The judge found it broken: broken here",
            "Fix SC501.",
            "reopen and recurrence semantics",
        )
    ]
    assert [v.code for v in result.findings.violations] == ["SC302", "SC501"]
    assert [(r.item.code, r.holds) for r in result.rulings] == [("SC401", True), ("SC501", False)]


def test_quotes_are_compared_without_case_or_spacing(
    document: SpecCandidates, rules: PackRules
) -> None:
    quote = "  spec 138 OWNS\nthe onboardingdraft   identity "
    result, _ = judged(document, rules, verdicts(("R1", "holds", quote)), BOUNDARY)
    assert result.findings.needs_review == ()
    assert result.rulings[0].quote == "spec 138 OWNS the onboardingdraft identity"


@pytest.mark.parametrize(
    ("quote", "why"),
    [
        ("Spec 138 is left entirely untouched by this candidate", "not in the answer"),
        (C_STATEMENT, "not in the answer"),
        ("draft identity", "too short to be evidence"),
        ("   ", "quotes nothing"),
    ],
    ids=["invented", "other-candidate", "scrap", "empty"],
)
def test_a_verdict_without_real_evidence_is_discarded_and_its_item_stays(
    document: SpecCandidates, rules: PackRules, quote: str, why: str
) -> None:
    result, _ = judged(document, rules, verdicts(("R1", "broken", quote)), BOUNDARY)
    assert result.findings.needs_review == (BOUNDARY,)
    assert result.findings.violations == (CERTAIN,)
    assert result.rulings == ()
    assert len(result.discarded) == 1
    assert why in result.discarded[0]
    assert result.discarded[0].startswith(f"SC401 {D_BOUNDARY}: verdict discarded")


def test_a_whole_short_item_is_evidence(document: SpecCandidates, rules: PackRules) -> None:
    short = item("SC401", "Candidate D > boundary_to_existing_specs[0].spec", "Spec 138")
    result, _ = judged(document, rules, verdicts(("R1", "holds", "Spec 138")), short)
    assert result.findings.needs_review == ()


def test_unknown_ids_and_repeated_verdicts_are_ignored(
    document: SpecCandidates, rules: PackRules
) -> None:
    answer = verdicts(
        ("R7", "broken", D_STATEMENT),
        ("R1", "holds", D_STATEMENT),
        ("R1", "broken", D_STATEMENT),
    )
    result, _ = judged(document, rules, answer, BOUNDARY)
    assert result.findings.violations == (CERTAIN,)
    assert [ruling.holds for ruling in result.rulings] == [True]


def test_an_item_without_a_verdict_stays_for_review(
    document: SpecCandidates, rules: PackRules
) -> None:
    result, _ = judged(document, rules, verdicts(("R1", "holds", D_STATEMENT)), BOUNDARY, DIRECTION)
    assert result.findings.needs_review == (DIRECTION,)


def test_an_unreadable_answer_leaves_every_item_for_review(
    document: SpecCandidates, rules: PackRules
) -> None:
    unreadable = Answer('{"verdicts": "all fine"}', Usage(40, 10), "end_turn")
    result, _ = judged(document, rules, unreadable, BOUNDARY)
    assert result.problem == "verdicts: The item is malformed: Input should be a valid list."
    assert result.findings == Findings((CERTAIN,), (BOUNDARY,))
    assert result.usage == Usage(40, 10)
    assert result.raw == unreadable.raw
    assert describe_judgement(result) == [
        f"judge: judge-model could not decide ({result.problem}); 1 item(s) left for review"
    ]


def test_a_judgement_cut_off_at_the_output_limit_is_a_problem_not_a_verdict(
    document: SpecCandidates, rules: PackRules
) -> None:
    whole = verdicts(("R1", "broken", D_STATEMENT)).raw
    cut = Answer(whole[: len(whole) // 2], Usage(40, 4096), "max_tokens")
    result, _ = judged(document, rules, cut, BOUNDARY)
    assert result.problem is not None
    assert result.problem.startswith("answer: The answer was cut off at the output limit")
    assert result.findings == Findings((CERTAIN,), (BOUNDARY,))
    assert result.rulings == ()


def test_transient_faults_are_retried_and_lasting_ones_raised(
    document: SpecCandidates, rules: PackRules
) -> None:
    waits: list[float] = []
    provider = ScriptedProvider(
        TransientProviderError("HTTP 529"), verdicts(("R1", "holds", D_STATEMENT))
    )
    result = judge_findings(
        provider,
        "m",
        document,
        Findings((), (BOUNDARY,)),
        rules.rubrics,
        RetryPolicy(max_retries=2),
        sleep=waits.append,
    )
    assert result.findings.needs_review == ()
    assert len(waits) == 1
    failing = ScriptedProvider(*[TransientProviderError("HTTP 500")] * 3)
    with pytest.raises(ProviderError, match="kept failing"):
        judge_findings(
            failing,
            "m",
            document,
            Findings((), (BOUNDARY,)),
            rules.rubrics,
            RetryPolicy(max_retries=2),
            sleep=waits.append,
        )
    assert len(failing.requests) == 3


def test_nothing_is_asked_when_nothing_is_in_doubt(
    document: SpecCandidates, rules: PackRules
) -> None:
    provider = ScriptedProvider()
    result = judge_findings(
        provider, "m", document, Findings((CERTAIN,)), rules.rubrics, RetryPolicy()
    )
    assert provider.requests == []
    assert result.findings == Findings((CERTAIN,))


def test_an_item_whose_rule_has_no_rubric_is_not_asked(
    document: SpecCandidates, rules: PackRules
) -> None:
    structural = item("SC103", "Candidate A > slug", "slug")
    result, provider = judged(
        document, rules, verdicts(("R1", "holds", D_STATEMENT)), structural, BOUNDARY
    )
    asked = json.loads(provider.requests[0].turns[0].text.split("as JSON:\n")[-1].split("\n\n")[0])
    assert [entry["rule"] for entry in asked] == ["SC401"]
    assert result.findings.needs_review == (structural,)


def test_the_request_is_the_same_whatever_order_the_items_come_in(
    document: SpecCandidates, rules: PackRules
) -> None:
    _, first = judged(document, rules, verdicts(), BOUNDARY, DIRECTION)
    _, second = judged(document, rules, verdicts(), DIRECTION, BOUNDARY)
    assert first.requests == second.requests
    request = first.requests[0]
    assert request.response_model is JudgeVerdicts
    assert rules.rubrics["SC401"].question in request.system
    assert rules.rubrics["SC501"].rule in request.system
    assert rules.rubrics["SC302"].question not in request.system
    text = request.turns[0].text
    assert '"id": "R1"' in text
    assert text.index('"rule": "SC401"') < text.index('"rule": "SC501"')
    assert json.dumps(document.model_dump(mode="json"), indent=2) in text


def test_a_quote_may_come_from_any_text_when_the_item_names_no_candidate(
    valid_document: dict[str, Any], rules: PackRules
) -> None:
    changed = copy.deepcopy(valid_document)
    changed["numbering_strategy"] = "Numbers are assigned once the branches are known."
    document = SpecCandidates.model_validate(changed)
    closing = item("SC202", "closing sections > numbering_strategy", "assigned once")
    quote = "NUMBERS are assigned once the branches"
    result, _ = judged(document, rules, verdicts(("R1", "holds", quote)), closing)
    assert result.findings.needs_review == ()


def test_only_the_first_verdict_for_an_item_counts_even_when_it_is_discarded(
    document: SpecCandidates, rules: PackRules
) -> None:
    answer = verdicts(("R1", "holds", "words the answer never says"), ("R1", "holds", D_STATEMENT))
    result, _ = judged(document, rules, answer, BOUNDARY)
    assert result.findings.needs_review == (BOUNDARY,)
    assert len(result.discarded) == 1


def test_the_reason_reaches_the_terminal_as_one_printable_line(
    document: SpecCandidates, rules: PackRules
) -> None:
    verdict = {"item": "R1", "verdict": "holds", "quote": D_STATEMENT}
    reason = "Fine.\x1b[2J\nReally " + "fine " * 100
    answer = Answer(json.dumps({"verdicts": [{**verdict, "reason": reason}]}), Usage(), "end_turn")
    result, _ = judged(document, rules, answer, BOUNDARY)
    reason = result.rulings[0].reason
    assert "\x1b" not in reason
    assert "\n" not in reason
    assert reason.startswith("Fine.\\x1b[2J Really fine")  # shown, not dropped
    assert len(reason) == 300
