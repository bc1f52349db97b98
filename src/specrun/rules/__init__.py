"""The rules: judging an answer as a careful reviewer does.

- ``answers``: a raw answer (a model's text or a result file) to a document or SC104 violations;
- ``phrases``: whether prose asserts a concept (clauses, negation, dismissals);
- ``structure``, ``numbering``, ``content``, ``language``: the rule checks, each yielding a
  ``Violation`` only where certain and a ``ReviewItem`` where a term list cannot decide
  (``findings``);
- ``judge``: a model decides the items left for review, its quotes verified in the answer;
- ``markdown_check``: a Markdown answer judged by the same checks, findings placed on its lines.

Here: ``check_answer`` takes what ``specrun check`` read (JSON data or a Markdown answer);
``validate_document`` takes decoded data (schema errors become SC104 violations with their
location and value, ``schema_violations``); ``check_document`` runs every check of ``CHECKS`` on a
parsed document. Violations come back in rule-code order, then document order.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from specrun.context.numbering import NumberingEvidence
from specrun.context.prompt_pack import PackRules
from specrun.document.model import SpecCandidates, without_lone_surrogates
from specrun.rules import content, language, numbering, structure
from specrun.rules.findings import CLOSING, Findings, Review, ReviewItem, Violation
from specrun.rules.phrases import excerpt

if TYPE_CHECKING:
    from specrun.document.markdown import MarkdownAnswer

__all__ = [
    "Findings",
    "ReviewItem",
    "Violation",
    "check_answer",
    "check_document",
    "schema_location",
    "schema_violations",
    "validate_document",
]

Check = Callable[[Review], Iterable[Violation | ReviewItem]]
CHECKS: tuple[Check, ...] = (
    structure.check_candidate_set,
    structure.check_status,
    structure.check_identity,
    structure.check_substance,
    structure.check_characters,
    structure.check_fixed_sets,
    numbering.check_numbering,
    numbering.check_new_numbers,
    content.check_statements,
    content.check_boundaries,
    content.check_umbrella,
    content.check_directions,
    language.check_english,
    language.check_register,
    structure.check_closing,
)
SCHEMA_EVIDENCE_LIMIT = 120
SCHEMA_MESSAGES = {
    "missing": "The item is missing.",
    "extra_forbidden": "The field is not part of the result schema.",
}


def schema_location(path: tuple[int | str, ...]) -> str:
    """Where a schema error sits in the result document, named as the rules name places."""
    if len(path) >= 2 and path[0] == "candidates" and isinstance(path[1], int):
        field = ".".join(str(part) for part in path[2:]) or "candidate"
        return f"Candidate {chr(ord('A') + path[1])} > {field}"
    field = ".".join(str(part) for part in path) or "document"
    if path and path[0] == "candidates":
        return field
    return f"{CLOSING} > {field}"


def _schema_evidence(value: object) -> str:
    """The offending value, short; a huge number is described, never echoed."""
    if isinstance(value, int) and value.bit_length() > 64:
        return f"a number of about {value.bit_length() * 30103 // 100000 + 1} digits"
    return without_lone_surrogates(excerpt(str(value), SCHEMA_EVIDENCE_LIMIT))


def schema_violations(
    error: ValidationError, locate: Callable[[tuple[int | str, ...]], str] = schema_location
) -> list[Violation]:
    """Each schema error as an SC104 violation with its location and the offending value."""
    return [
        Violation(
            "SC104",
            locate(tuple(detail["loc"])),
            SCHEMA_MESSAGES.get(detail["type"], f"The item is malformed: {detail['msg']}."),
            "Follow the result schema (specrun schema) and fill in every item.",
            "" if detail["type"] == "missing" else _schema_evidence(detail["input"]),
        )
        for detail in error.errors()
    ]


def validate_document(
    data: object,
    rules: PackRules,
    numbering: NumberingEvidence,
    whole_texts: Mapping[str, str] | None = None,
    preamble: str = "",
    asides: Mapping[str, str] | None = None,
) -> tuple[SpecCandidates | None, Findings]:
    """The parsed document (None when it does not fit the schema) and its findings; a Markdown
    answer passes its ``whole_texts``, ``preamble`` and ``asides`` on to ``check_document``."""
    try:
        document = SpecCandidates.model_validate(data)
    except ValidationError as error:
        return None, Findings(tuple(schema_violations(error)))
    return document, check_document(document, rules, numbering, whole_texts, preamble, asides)


def check_document(
    document: SpecCandidates,
    rules: PackRules,
    numbering: NumberingEvidence,
    whole_texts: Mapping[str, str] | None = None,
    preamble: str = "",
    asides: Mapping[str, str] | None = None,
) -> Findings:
    """Every check's verdicts. From a Markdown answer: ``whole_texts``, the candidates whose
    explicit statements are judged over their whole text, the ``preamble`` before them, and the
    ``asides`` inside them that no item holds."""
    review = Review(document, rules, numbering, whole_texts or {}, preamble, asides or {})
    verdicts = [verdict for check in CHECKS for verdict in check(review)]
    ordered = sorted(verdicts, key=lambda verdict: verdict.code)
    return Findings(
        tuple(v for v in ordered if isinstance(v, Violation)),
        tuple(v for v in ordered if isinstance(v, ReviewItem)),
    )


def check_answer(
    answer: "dict[str, Any] | MarkdownAnswer", rules: PackRules, numbering: NumberingEvidence
) -> tuple[SpecCandidates | None, Findings]:
    """A result JSON's data or a Markdown answer, judged by the same rules; the Markdown
    judging (and its reader) is imported only for Markdown."""
    if isinstance(answer, dict):
        return validate_document(answer, rules, numbering)
    from specrun.rules.markdown_check import check_markdown

    return check_markdown(answer, rules, numbering)
