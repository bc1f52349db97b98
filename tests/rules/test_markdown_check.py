"""Judging Markdown answers: the JSON rules, with what reading prose changes (statements over a
candidate's whole text, items that cannot be located, values that name more than one choice)."""

from typing import Any

import pytest
from support import load_fixture

from specrun.context.numbering import NumberingEvidence
from specrun.context.prompt_pack import PackRules
from specrun.document.markdown import read_markdown
from specrun.document.model import SpecCandidates
from specrun.document.render import render_markdown
from specrun.rules import Findings, validate_document
from specrun.rules.markdown_check import check_markdown


def judged(text: str, rules: PackRules, numbering: NumberingEvidence) -> Findings:
    return check_markdown(read_markdown(text), rules, numbering)[1]


def codes(findings: Findings) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    return (
        {(v.code, v.location) for v in findings.violations},
        {(r.code, r.location) for r in findings.needs_review},
    )


@pytest.fixture
def rendered(valid_document: dict[str, Any]) -> str:
    return render_markdown(SpecCandidates.model_validate(valid_document))


def test_a_rendered_valid_document_is_valid(
    rendered: str, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    assert judged(rendered, rules, uncertain).violations == ()


def test_a_null_statement_in_the_subsection_is_the_json_violation(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    valid_document["candidates"][2]["explicit_statements"]["ui_only_authorization_insufficient"] = (
        None
    )
    text = render_markdown(SpecCandidates.model_validate(valid_document))
    location = "Candidate C > explicit_statements.ui_only_authorization_insufficient"
    assert ("SC301", location) in codes(judged(text, rules, uncertain))[0]
    _, from_json = validate_document(valid_document, rules, uncertain)
    assert ("SC301", location) in codes(from_json)[0]


def test_statements_are_judged_over_the_whole_text_without_a_subsection(
    rendered: str, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    prose = rendered.replace("### Explicit statements", "### Notes")
    findings = judged(prose, rules, uncertain)
    assert not [v for v in findings.violations if v.code.startswith("SC30")]
    silent = prose.replace("### Notes", "### Notes\n\nNothing more.\n\n## Skipped", 1)
    before = judged(silent, rules, uncertain)
    assert not [v for v in before.violations if v.code.startswith("SC30")]


def test_a_statement_the_prose_never_makes_is_left_for_review(
    rules: PackRules, uncertain: NumberingEvidence
) -> None:
    text = "## Candidate A: Queued work\n\n**Summary:** Jobs carry their context to execution.\n"
    violations, unsure = codes(judged(text, rules, uncertain))
    location = "Candidate A > explicit_statements.ui_only_authorization_insufficient"
    assert ("SC301", location) in unsure
    assert not {code for code, _ in violations} & {"SC301", "SC302", "SC303", "SC304"}


def test_an_item_nothing_resembles_is_missing(
    rules: PackRules, uncertain: NumberingEvidence
) -> None:
    text = "## Candidate A: Queued work\n\n**Summary:** Jobs carry their context to execution.\n"
    findings = judged(text, rules, uncertain)
    violations, _ = codes(findings)
    assert ("SC104", "Candidate A > non_goals") in violations
    assert ("SC104", "Candidate A > status") in violations
    assert not any(code == "SC102" for code, _ in violations)
    missing = next(v for v in findings.violations if v.location == "Candidate A > non_goals")
    assert missing.line == 1


def test_an_item_something_resembles_is_left_for_review(
    rules: PackRules, uncertain: NumberingEvidence
) -> None:
    text = "## Candidate A: Queued work\n\nThe status is settled; the slug comes with the spec.\n"
    violations, unsure = codes(judged(text, rules, uncertain))
    assert ("SC104", "Candidate A > status") in unsure
    assert ("SC104", "Candidate A > slug") in unsure
    assert ("SC104", "Candidate A > status") not in violations


def test_first_person_in_the_preamble_is_a_register_violation(
    rendered: str, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    text = rendered.replace("# Spec candidates\n", "# Spec candidates\n\nI read every file.\n", 1)
    findings = judged(text, rules, uncertain)
    assert [(v.code, v.location, v.line) for v in findings.violations] == [("SC602", "preamble", 3)]


def test_two_delivery_values_are_left_for_review(
    rendered: str, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    text = rendered.replace(
        "15. **Delivery recommendation:** dedicated spec",
        "15. **Delivery recommendation:** hotfix, then a phased spec",
        1,
    )
    violations, unsure = codes(judged(text, rules, uncertain))
    assert ("SC105", "Candidate A > delivery_recommendation") in unsure
    assert not any(code == "SC105" for code, _ in violations)


def test_a_value_outside_the_fixed_set_is_a_violation_with_the_text_as_written(
    rendered: str, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    text = rendered.replace(
        "16. **Suggested implementation priority:** Critical",
        "16. **Suggested implementation priority:** Urgent",
        1,
    )
    findings = judged(text, rules, uncertain)
    (violation,) = [v for v in findings.violations if v.code == "SC105"]
    assert violation.evidence == "Urgent"
    assert text.splitlines()[(violation.line or 0) - 1].endswith("Urgent")


def test_the_rendered_fixture_reads_back_as_its_data() -> None:
    data = load_fixture("valid-result.json")
    read = read_markdown(render_markdown(SpecCandidates.model_validate(data))).data
    assert read["candidates"] == data["candidates"]
    assert read["recommended_implementation_order"] == data["recommended_implementation_order"]
    assert [t["candidates"] for t in read["parallel_tracks"]] == [
        t["candidates"] for t in data["parallel_tracks"]
    ]
    assert read["start_first"]["candidate"] == data["start_first"]["candidate"]
    assert read["numbering_strategy"] == data["numbering_strategy"]
