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


def test_a_statement_the_prose_only_hedges_is_left_for_review_with_its_hedge(
    rules: PackRules, uncertain: NumberingEvidence
) -> None:
    made = (
        "## Candidate A: Queued work\n\n**Summary:** Jobs carry their context to execution. "
        "Negative-path regression tests are required before merge.\n"
    )
    location = "Candidate A > explicit_statements.negative_path_regression_tests_required"
    assert ("SC303", location) not in codes(judged(made, rules, uncertain))[1]
    hedged = made.replace("regression tests are required", "tests are ideally required")
    findings = judged(hedged, rules, uncertain)
    item = next(r for r in findings.needs_review if r.location == location)
    assert item.code == "SC303"
    assert "hedges it ('ideally')" in item.message
    assert item.evidence == "Negative-path tests are ideally required before merge."
    assert ("SC303", location) not in codes(findings)[0]


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


NAMES = {
    "working_title": "Title",
    "status": "Status",
    "summary": "Summary",
    "why_needed_now": "Why now",
    "boundary_to_existing_specs": "Boundary",
    "problem_statement": "Problem",
    "goals": "Goals",
    "non_goals": "Non-goals",
    "scope": "Scope",
    "target_model": "Target model",
    "key_requirements": "Key requirements",
    "risks_if_not_implemented": "Risks",
    "dependencies_and_sequencing": "Dependencies",
    "delivery_recommendation": "Delivery",
    "implementation_priority": "Priority",
    "slug": "Slug",
}


def pieces(candidate: dict[str, Any], field: str) -> list[str]:
    value = candidate[field]
    if field == "boundary_to_existing_specs":
        return [f"**{b['spec']}** ({b['relationship']}): {b['statement']}" for b in value]
    return value if isinstance(value, list) else [value]


def in_layout(data: dict[str, Any], layout: str) -> str:
    """The answer as an agent might lay it out: subheadings, bold paragraphs or a field table,
    with the closing sections as one bold list."""
    parts = ["# Answer\n"]
    for index, candidate in enumerate(data["candidates"]):
        parts.append(f"## {'ABCD'[index]}. {candidate['working_title']}\n")
        parts.append(f"**Label:** {candidate['label']}\n")
        if layout == "table":
            rows = [
                f"| {name} | {'<br>'.join(' '.join(p.split()) for p in pieces(candidate, f))} |"
                for f, name in NAMES.items()
            ]
            parts.append("| Item | Details |\n|---|---|\n" + "\n".join(rows) + "\n")
        for field, name in NAMES.items() if layout != "table" else ():
            items = pieces(candidate, field)
            body = "\n".join(f"- {item}" for item in items) if len(items) > 1 else items[0]
            if isinstance(candidate[field], list) and len(items) == 1:
                body = f"- {items[0]}"
            label = f"### {name}\n" if layout == "subheadings" else f"**{name}.**"
            parts.append(f"{label}\n{body}\n")
        statements = candidate["explicit_statements"]
        parts.append(
            "**Explicit statements:**\n\n"
            + "".join(
                f"- **{key.replace('_', ' ')}:** {text}\n"
                for key, text in statements.items()
                if text is not None
            )
        )
    tracks = "".join(
        f"  - {', '.join(t['candidates'])}: {t['rationale']}\n" for t in data["parallel_tracks"]
    )
    parts.append(
        "## Closing\n\n"
        f"- **A. Recommended implementation order:** "
        f"{', '.join(data['recommended_implementation_order'])}\n"
        f"- **B. Parallel tracks:**\n{tracks}"
        f"- **C. Start first:** {data['start_first']['candidate']}. "
        f"{data['start_first']['rationale']}\n"
        f"- **D. Numbering strategy:** {data['numbering_strategy']}\n"
    )
    return "\n".join(parts)


@pytest.mark.parametrize("layout", ["subheadings", "bold", "table"])
@pytest.mark.parametrize("answer", ["strong-1", "strong-3", "mid-2", "mid-3", "voice-c"])
def test_any_layout_gets_the_verdict_of_the_json(
    answer: str, layout: str, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    data = load_fixture(f"answers/{answer}.json")
    _, from_json = validate_document(data, rules, uncertain)
    findings = judged(in_layout(data, layout), rules, uncertain)
    unit = {(v.code, v.location.split(" > ")[0]) for v in from_json.violations}
    assert {(v.code, v.location.split(" > ")[0]) for v in findings.violations} == unit


def test_closing_sections_absent_are_missing_and_unnamed_ones_left_for_review(
    rendered: str, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    cut = rendered[: rendered.index("## A. Recommended implementation order")]
    violations, _ = codes(judged(cut, rules, uncertain))
    assert ("SC104", "closing sections > start_first") in violations
    roadmap = cut + "## Roadmap\n\nCandidate B goes first, then the others in sequence.\n"
    violations, unsure = codes(judged(roadmap, rules, uncertain))
    assert ("SC104", "closing sections > recommended_implementation_order") in unsure
    assert ("SC104", "closing sections > start_first") in unsure
    assert ("SC104", "closing sections > parallel_tracks") in violations


def test_text_no_item_holds_is_read_for_the_register(
    rules: PackRules, uncertain: NumberingEvidence
) -> None:
    """An "Open questions" subsection is no item, but it is the candidate's text: first person
    there is a violation, pointed at its line."""
    text = (
        "## Candidate A: Queued work\n\n### Summary\n\nJobs carry their context to execution.\n\n"
        "### Open questions\n\nI recommend draining the queue first.\n"
    )
    findings = judged(text, rules, uncertain)
    [aside] = [v for v in findings.violations if v.location == "Candidate A > other text"]
    assert (aside.code, aside.evidence, aside.line) == (
        "SC602",
        "I recommend draining the queue first.",
        9,
    )


def test_code_and_html_outside_the_items_are_not_prose(
    rules: PackRules, uncertain: NumberingEvidence
) -> None:
    text = (
        "## Candidate A: Queued work\n\n### Summary\n\nJobs carry their context to execution.\n\n"
        "### Example\n\n```php\n// I think this works\necho 'Denied!';\n```\n\n"
        "<!-- I wrote this quickly -->\n"
    )
    findings = judged(text, rules, uncertain)
    assert not [v for v in findings.violations if v.code == "SC602"]
