"""Numbering rules: labels and spec numbers agree with the repository's evidence (SC201), and no
text names a spec number that neither exists nor was proven available (SC202)."""

import re
from collections import Counter
from collections.abc import Iterator

from specrun.numbering import listing
from specrun.validation.model import (
    Review,
    Violation,
    candidate_texts,
    closing,
    closing_texts,
    where,
)

SPEC_MENTION = re.compile(
    r"\bspecs?[\s#]*(\d{3})\b((?:\s*(?:,|and|or|&|/|to|–|-)\s*#?\d{3}\b)*)", re.IGNORECASE
)
SPEC_PATH = re.compile(r"\bspecs/(\d{3})-")
NUMBER = re.compile(r"\d{3}")


def spec_numbers_named(text: str) -> set[int]:
    """Spec numbers a text names: 'Spec 111', 'Specs 110 and 134', 'specs/138-...'."""
    numbers = {int(match.group(1)) for match in SPEC_PATH.finditer(text)}
    for match in SPEC_MENTION.finditer(text):
        numbers.add(int(match.group(1)))
        numbers.update(int(number) for number in NUMBER.findall(match.group(2)))
    return numbers


def check_numbering(review: Review) -> Iterator[Violation]:
    """SC201: labels and spec_number follow the numbering evidence."""
    evidence = review.numbering
    used = Counter(c.spec_number for _, c in review.candidates() if c.spec_number is not None)
    for letter, candidate in review.candidates():
        plain_label = f"Candidate {letter}"
        number = candidate.spec_number
        if number is None:
            if candidate.label != plain_label:
                yield Violation(
                    "SC201",
                    where(letter, "label"),
                    f"Label {candidate.label!r} has no proven spec number behind it.",
                    f"Use the label {plain_label!r}.",
                )
            continue
        if evidence.status == "uncertain":
            yield Violation(
                "SC201",
                where(letter, "spec_number"),
                f"Spec number {number:03d} is claimed while numbering is uncertain.",
                f"Set spec_number to null and the label to {plain_label!r}.",
            )
        elif number in evidence.in_use:
            yield Violation(
                "SC201",
                where(letter, "spec_number"),
                f"Spec number {number:03d} already exists in the repository.",
                f"Use one of the available numbers {listing(evidence.available)} or null.",
            )
        elif number not in evidence.available:
            yield Violation(
                "SC201",
                where(letter, "spec_number"),
                f"Spec number {number:03d} is not among the available numbers.",
                f"Use one of {listing(evidence.available)} or null.",
            )
        if used[number] > 1:
            yield Violation(
                "SC201",
                where(letter, "spec_number"),
                f"Spec number {number:03d} is used by more than one candidate.",
                "Give each candidate its own number, or none.",
            )
        if candidate.label not in (plain_label, f"Spec {number:03d}"):
            yield Violation(
                "SC201",
                where(letter, "label"),
                f"Label {candidate.label!r} does not match spec_number {number:03d}.",
                f"Use the label 'Spec {number:03d}'.",
            )


def check_new_numbers(review: Review) -> Iterator[Violation]:
    """SC202: no text names a new spec number unless it was proven available."""
    evidence = review.numbering
    allowed = set(evidence.in_use)
    if evidence.status == "proven":
        allowed |= set(evidence.available)
    texts = [
        (where(letter, field), text)
        for letter, candidate in review.candidates()
        for field, text in candidate_texts(candidate)
    ]
    texts += [(closing(field), text) for field, text in closing_texts(review.document)]
    for location, text in texts:
        invented = sorted(spec_numbers_named(text) - allowed)
        if invented:
            yield Violation(
                "SC202",
                location,
                f"The text names spec number(s) {listing(invented)}, which neither "
                "exist in the repository nor were proven available.",
                "Refer to new work as 'Candidate A'–'D' and to existing specs by their number.",
            )
