"""Judging a Markdown answer: the rules of a JSON result, with findings that point into the file.

``specrun.document.markdown`` reads the answer into the result document's data, every value a
span of the file. Here that data gets exactly the checks a JSON result gets
(``specrun.rules.check_document``), with two differences that come from reading prose, not
fields:

- the explicit statements of a candidate with no "Explicit statements" subsection are judged
  over its whole text (``Review.whole_texts``);
- an item the reader could not locate is not judged by the rule that reads its value (an empty
  status is not a wrong status). It is an SC104 violation only where nothing in the candidate's
  section resembles it; otherwise it is left for review, as is a fixed-set item that names more
  than one value.

Every finding carries the line its location (or, inside it, its evidence) is written on.
"""

import re
from dataclasses import replace
from typing import TypeVar

from specrun.context.numbering import NumberingEvidence
from specrun.context.prompt_pack import PackRules
from specrun.document.markdown import MarkdownAnswer
from specrun.document.model import SpecCandidates
from specrun.rules import Findings, validate_document
from specrun.rules.findings import Finding, ReviewItem, Violation
from specrun.rules.phrases import excerpt

MISSING = "The item is missing: nothing in the section names it."
UNLOCATED = "The item could not be located in the Markdown, though something resembles it."
F = TypeVar("F", bound=Finding)
HINT = "Write the item out under its own label, in the order of the prompt's output requirements."


def _covered(location: str, missing: dict[str, bool]) -> bool:
    """Whether a finding's location lies in a missing item ('Candidate A > goals[2]' in
    'Candidate A > goals'), looked up, not searched, so many findings stay cheap."""
    head, _, rest = location.partition(" > ")
    field = re.match(r"[a-z_]*", rest)
    return location in missing or f"{head} > {field.group(0) if field else ''}" in missing


def with_lines(answer: MarkdownAnswer, findings: Findings) -> Findings:
    """The findings, each pointing to its line of the answer (after the judge, say)."""
    return Findings(
        _placed(answer, list(findings.violations)), _placed(answer, list(findings.needs_review))
    )


def _placed(answer: MarkdownAnswer, verdicts: list[F]) -> tuple[F, ...]:
    """The verdicts in rule-code order, each with the line it points to. A boundary entry's
    text is read as its relationship and statement alike, so a verdict on the same words at
    the same line is given once."""
    placed: dict[tuple[str, str, int | None], F] = {}
    for verdict in sorted(verdicts, key=lambda verdict: verdict.code):
        line = answer.line_of(verdict.location, verdict.evidence)
        key = (
            (verdict.code, verdict.evidence, line)
            if verdict.evidence
            else (verdict.code, verdict.location, line)
        )
        placed.setdefault(key, replace(verdict, line=line))
    return tuple(placed.values())


def check_markdown(
    answer: MarkdownAnswer, rules: PackRules, numbering: NumberingEvidence
) -> tuple[SpecCandidates | None, Findings]:
    """The document read from the answer and every finding on it, each with its line."""
    document, findings = validate_document(
        answer.data, rules, numbering, answer.whole_texts, answer.preamble, answer.asides
    )
    if document is None:
        return None, findings
    missing = answer.missing
    violations = [v for v in findings.violations if not _covered(v.location, missing)]
    unsure = [v for v in findings.needs_review if not _covered(v.location, missing)]
    for location, resembled in missing.items():
        if resembled:
            unsure.append(ReviewItem("SC104", location, UNLOCATED, HINT))
        else:
            violations.append(Violation("SC104", location, MISSING, HINT))
    for code, location, message, evidence in answer.doubts:
        unsure.append(ReviewItem(code, location, message, HINT, excerpt(evidence)))
    return document, Findings(_placed(answer, violations), _placed(answer, unsure))
