"""The rules measured on genuine answers (tests/fixtures/answers/), offline and with no judge:
as a blind reviewer labelled them, a strong answer draws no violation, every breach is flagged
(as a violation or an item left for review) at its candidate and code, and no near miss is a
violation. Markdown answers (``*.md``) are read as ``specrun check`` reads them; a finding in
their preamble (before the first candidate) flags a breach whose quote is written there."""

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLE, FIXTURES

from specrun.context.numbering import gather_numbering_evidence
from specrun.context.prompt_pack import load_prompt_pack
from specrun.document.markdown import read_markdown
from specrun.rules import Findings, validate_document
from specrun.rules.findings import PREAMBLE
from specrun.rules.markdown_check import check_markdown

ANSWERS = FIXTURES / "answers"
LABELS: dict[str, dict[str, list[dict[str, str]]]] = json.loads(
    (ANSWERS / "labels.json").read_text(encoding="utf-8")
)
UNITS = ("A", "B", "C", "D", "closing")


def answer_file(answer: str) -> Path:
    markdown = ANSWERS / f"{answer}.md"
    return markdown if markdown.is_file() else ANSWERS / f"{answer}.json"


@cache
def findings(answer: str) -> Findings:
    rules = load_prompt_pack("tenantpilot.spec-candidates", EXAMPLE).rules
    numbering = gather_numbering_evidence(EXAMPLE)
    text = answer_file(answer).read_text(encoding="utf-8")
    if answer_file(answer).suffix == ".md":
        return check_markdown(read_markdown(text), rules, numbering)[1]
    return validate_document(json.loads(text), rules, numbering)[1]


@cache
def preamble(answer: str) -> str:
    if answer_file(answer).suffix != ".md":
        return ""
    return " ".join(read_markdown(answer_file(answer).read_text(encoding="utf-8")).preamble.split())


def units(where: str) -> set[str]:
    """The candidates or closing sections a reviewer's ``where`` names."""
    head = where.split(".")[0].strip()
    if head.startswith("closing"):
        return {"closing"}
    if head == PREAMBLE:
        return {PREAMBLE}
    return {part for part in head.split("/") if part in UNITS} or set(UNITS)


def unit(location: str) -> str:
    if location == PREAMBLE:
        return PREAMBLE
    return location.split()[1] if location.startswith("Candidate ") else "closing"


def flagged(answer: str, *, with_review: bool) -> set[tuple[str, str]]:
    result = findings(answer)
    said = {(v.code, unit(v.location)) for v in result.violations}
    if with_review:
        said |= {(item.code, unit(item.location)) for item in result.needs_review}
    return said


CLEAN = sorted(answer for answer, labels in LABELS.items() if not labels["breaches"])
# Breaches the deterministic rules are known to miss, each with why; the judge may still catch
# them. A miss that starts to be flagged fails the test (strict), so this list only shrinks.
KNOWN_MISSES = {
    ("md-mid-1", "SC401", "D.boundary_to_existing_specs"): (
        "'complements Spec 138 and does not duplicate it' reads as a firm non-duplication "
        "statement; that it never says what stays in Spec 138 is a reviewer's judgement"
    ),
    (
        "md-small-aider",
        "SC301",
        "C.explicit_statements.ui_only_authorization_insufficient",
    ): (
        "'validated only in the UI form, so bulk actions ... bypass them' describes the UI-only "
        "check failing; that C never then requires more is a reviewer's judgement (a close call)"
    ),
}
BREACHES = [
    pytest.param(
        answer,
        breach["code"],
        breach["where"],
        breach["quote"],
        marks=[
            pytest.mark.xfail(strict=True, reason=reason)
            for reason in [KNOWN_MISSES.get((answer, breach["code"], breach["where"]))]
            if reason
        ],
    )
    for answer, labels in LABELS.items()
    for breach in labels["breaches"]
]
NEAR_MISSES = [
    (answer, miss["code"], miss["where"])
    for answer, labels in LABELS.items()
    for miss in labels["near_misses"]
]


def test_the_corpus_holds_every_labelled_answer() -> None:
    assert len(CLEAN) >= 3 and len(BREACHES) >= 9
    assert all(answer_file(answer).is_file() for answer in LABELS)
    assert sum(answer_file(answer).suffix == ".md" for answer in LABELS) >= 13


@pytest.mark.parametrize("answer", CLEAN)
def test_an_answer_without_breaches_draws_no_violation(answer: str) -> None:
    assert findings(answer).violations == ()


@pytest.mark.parametrize(("answer", "code", "where", "quote"), BREACHES)
def test_every_reviewer_breach_is_flagged(answer: str, code: str, where: str, quote: str) -> None:
    said = flagged(answer, with_review=True)
    in_preamble = (code, PREAMBLE) in said and " ".join(quote.split()) in preamble(answer)
    assert in_preamble or any((code, place) in said for place in units(where)), sorted(said)


@pytest.mark.parametrize(("answer", "code", "where"), NEAR_MISSES)
def test_no_near_miss_is_a_violation(answer: str, code: str, where: str) -> None:
    breaches = {
        (breach["code"], place)
        for breach in LABELS[answer]["breaches"]
        for place in units(breach["where"])
    }
    wrongly = {(code, place) for place in units(where) if (code, place) not in breaches} & flagged(
        answer, with_review=False
    )
    assert not wrongly


@pytest.mark.parametrize("name", ["valid-result.json", "independent-result.json"])
def test_answers_the_rules_were_not_tuned_on_stay_valid(name: str) -> None:
    rules = load_prompt_pack("tenantpilot.spec-candidates", EXAMPLE).rules
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    _, result = validate_document(data, rules, gather_numbering_evidence(EXAMPLE))
    assert result.violations == ()


def test_the_corpus_readme_keeps_its_provenance() -> None:
    readme = Path(ANSWERS / "README.md").read_text(encoding="utf-8")
    assert "blind" in readme and "labels.json" in readme


def field_text(data: dict[str, Any], location: str) -> str:
    """The text of the field a location names ('Candidate C > scope[5]', 'closing sections >
    parallel_tracks[0].candidates[1]')."""
    head, path = location.split(" > ", 1)
    value: Any = data
    if head.startswith("Candidate "):
        value = data["candidates"][ord(head[-1]) - ord("A")]
    for name, index in re.findall(r"([a-z_]+)(?:\[(\d+)\])?", path):
        value = value[name]
        if index:
            value = value[int(index)]
    assert isinstance(value, str), location
    return value


# JSON answers: their fields are named by location. A Markdown answer's evidence is the text
# as written at its FILE:LINE, which the Markdown reader's own tests hold to.
EVERY_ANSWER = sorted(answer for answer in LABELS if answer_file(answer).suffix == ".json")


@pytest.mark.parametrize("answer", EVERY_ANSWER)
def test_every_piece_of_evidence_is_a_verbatim_span_of_its_field(answer: str) -> None:
    data = json.loads((ANSWERS / f"{answer}.json").read_text(encoding="utf-8"))
    result = findings(answer)
    quoted = [
        (finding.code, span)
        for finding in (*result.violations, *result.needs_review)
        for span in finding.quoted()
    ]
    for code, span in quoted:
        assert span.text.strip(), (code, span)
        assert span.text in field_text(data, span.field), (code, span)


def test_the_corpus_gives_evidence_from_one_field_and_from_several() -> None:
    every = [
        finding
        for answer in EVERY_ANSWER
        for finding in (*findings(answer).violations, *findings(answer).needs_review)
    ]
    assert sum(len(finding.quoted()) for finding in every) >= 30
    assert any(len(finding.spans) > 1 for finding in every)
