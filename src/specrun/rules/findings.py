"""What every rule check works with: the document it reads and the verdicts it gives.

A check yields a ``Violation`` where it is certain a rule is broken, and a ``ReviewItem`` where
its terms cannot decide (``unsure``): the judge model, or a person, decides those. What holds
yields nothing. Both carry the text they judged as ``evidence``: a verbatim span of the field
their location names, or, when they judged several fields (a boundary's relationship and
statement, two adjacent items), ``spans``, each a verbatim span labelled with its field's
location. specrun never builds evidence the answer does not contain, so a judge, a re-ask or a
reader can quote it back and find it.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as default

from specrun.context.numbering import NumberingEvidence
from specrun.context.prompt_pack import PackRules
from specrun.document.model import SpecCandidate, SpecCandidates

LETTERS = "ABCD"
CLOSING = "closing sections"
PREAMBLE = "preamble"


@dataclass(frozen=True)
class Span:
    """A verbatim part of the answer and the location of the field it is in."""

    field: str
    text: str


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Finding:
    """What every verdict carries: where, what, how to fix it, and the text that was judged:
    ``evidence`` in the field at ``location``, or ``spans`` across several fields (then
    ``evidence`` is the first span's text)."""

    code: str
    location: str
    message: str
    hint: str
    evidence: str = ""
    line: int | None = None
    spans: tuple[Span, ...] = ()

    def __post_init__(self) -> None:
        if len(self.spans) == 1 and self.spans[0].field == self.location:
            object.__setattr__(self, "evidence", self.spans[0].text)
            object.__setattr__(self, "spans", ())
        if self.spans and not self.evidence:
            object.__setattr__(self, "evidence", self.spans[0].text)

    def quoted(self) -> tuple[Span, ...]:
        """Every span of evidence with its field: what a quote check looks up."""
        if self.spans:
            return self.spans
        return (Span(self.location, self.evidence),) if self.evidence else ()

    def evidence_data(self) -> str | list[dict[str, str]]:
        """The evidence as JSON gives it: one span as a string, several as labelled spans."""
        if self.spans:
            return [{"field": span.field, "text": span.text} for span in self.spans]
        return self.evidence

    def as_dict(self) -> dict[str, object]:
        """The finding as JSON; ``line`` only where it was read from a Markdown answer."""
        found: dict[str, object] = {
            "code": self.code,
            "location": self.location,
            "message": self.message,
            "hint": self.hint,
            "evidence": self.evidence_data(),
        }
        if self.line is not None:
            found["line"] = self.line
        return found

    def _shown(self) -> str:
        # Quoted as written (on one line), not repr()'d: an escaped copy of a key would slip
        # past scrubbing.
        if self.spans:
            return " Evidence: " + "; ".join(
                f"{span.field.rsplit(' > ', 1)[-1]}: '{_one_line(span.text)}'"
                for span in self.spans
            )
        return f" Evidence: '{_one_line(self.evidence)}'" if self.evidence else ""


@dataclass(frozen=True)
class Violation(Finding):
    """A rule certainly broken."""

    def __str__(self) -> str:
        return f"{self.code} {self.location}: {self.message}{self._shown()} Hint: {self.hint}"


@dataclass(frozen=True)
class ReviewItem(Finding):
    """A rule the terms could not decide: ``message`` says what is in doubt, ``hint`` how to
    fix it should it be broken."""

    def __str__(self) -> str:
        return f"{self.code} {self.location}: needs review: {self.message}{self._shown()}"


@dataclass(frozen=True)
class Findings:
    """Every verdict on one document: certain breaches, and what is left for review."""

    violations: tuple[Violation, ...] = ()
    needs_review: tuple[ReviewItem, ...] = ()


@dataclass(frozen=True)
class Review:
    """One document under review, with what the rules need to judge it."""

    document: SpecCandidates
    rules: PackRules
    numbering: NumberingEvidence
    # A Markdown answer's candidates (by letter) that have no explicit statements of their own:
    # the statements are judged over the candidate's whole text.
    whole_texts: Mapping[str, str] = default(default_factory=dict)
    # A Markdown answer's text before its first candidate, judged for language and register.
    preamble: str = ""
    # A Markdown answer's text inside a candidate that no item holds ("Open questions"), by
    # location ("Candidate C > other text"), judged for register.
    asides: Mapping[str, str] = default(default_factory=dict)

    def candidates(self) -> Iterator[tuple[str, SpecCandidate]]:
        """Each candidate with the letter its position gives it (E, F, ... past the fourth)."""
        for index, candidate in enumerate(self.document.candidates):
            yield chr(ord("A") + index), candidate

    def labels(self) -> list[str]:
        return [candidate.label for candidate in self.document.candidates]


def where(letter: str, field: str) -> str:
    return f"Candidate {letter} > {field}"


def closing(field: str) -> str:
    return f"{CLOSING} > {field}"


def candidate_texts(candidate: SpecCandidate) -> Iterator[tuple[str, str]]:
    """Every piece of prose in a candidate, with the field path it sits at."""
    for field in ("working_title", "summary", "why_needed_now", "problem_statement"):
        yield field, getattr(candidate, field)
    for index, boundary in enumerate(candidate.boundary_to_existing_specs):
        for part in ("spec", "relationship", "statement"):
            yield f"boundary_to_existing_specs[{index}].{part}", getattr(boundary, part)
    for field in ("goals", "non_goals", "scope", "key_requirements", "risks_if_not_implemented"):
        for index, item in enumerate(getattr(candidate, field)):
            yield f"{field}[{index}]", item
    yield "target_model", candidate.target_model
    yield "dependencies_and_sequencing", candidate.dependencies_and_sequencing
    for field, statement in candidate.explicit_statements:
        if statement is not None:
            yield f"explicit_statements.{field}", statement


def closing_texts(document: SpecCandidates) -> Iterator[tuple[str, str]]:
    for index, track in enumerate(document.parallel_tracks):
        yield f"parallel_tracks[{index}].rationale", track.rationale
    yield "start_first.rationale", document.start_first.rationale
    yield "numbering_strategy", document.numbering_strategy
