"""Numbering rules: labels and spec numbers agree with the repository's evidence (SC201), and no
text names a spec number that neither exists nor was proven available (SC202)."""

import re
from collections import Counter
from collections.abc import Iterator

from specrun.context.numbering import listing
from specrun.rules.findings import (
    Review,
    ReviewItem,
    Violation,
    candidate_texts,
    closing,
    closing_texts,
    where,
)
from specrun.rules.phrases import excerpt, sentences

# A number is a spec number where its context says so: right after "spec" ("Spec 111", "Spec
# 1002", "specs/1000-x": any length, as the repository's own numbers), or, with three digits,
# after "number", after a verb that hands out numbers ("assign 139 to 142", "reserve 139 for
# A") unless a noun follows it ("reserve 100 slots", "allocates 512 MB" count things), or as a
# slug ("139-queued-execution"). Ranges and lists that follow ("139 to 142", "139–142", "139,
# 140 and 141") belong to the same mention. Other numbers (Article 2.1, F-12, HTTP 403, counts,
# years) are left alone, and so are digits of other scripts ("Spec ١٤٥"): spec numbers are ASCII.
LIST_TAIL = r"((?:\s*(?:,|and|or|&|/|to|through|–|-)\s*#?[0-9]{3,}\b)*)"
SPEC_MENTION = re.compile(
    r"\b(?:spec(?:ification)?s?(?:[\s#:-]*|/)|no\.\s*)([0-9]{3,})\b" + LIST_TAIL,
    re.IGNORECASE,
)
NUMBER_MENTION = re.compile(
    r"\b(?:numbers?|(?:assign|reserv|allocat|claim)\w*(?:\s+(?:spec\s+)?numbers?)?)"
    r"[\s#:-]*([0-9]{3})\b" + LIST_TAIL + r"(?!\s+(?!(?:for|as|to|through|and|or|in|on|is|are"
    r"|was|were|now|first|next|then|once)\b)[a-z])",
    re.IGNORECASE,
)
SLUG_NUMBER = re.compile(r"(?<![\w.-])([0-9]{3})-[a-z]")
NUMBER = re.compile(r"[0-9]{3,}")
BARE_NUMBER = re.compile(r"(?<![\w.#/-])([0-9]{3})(?![\w.-]\w|%)")
# A bare number just above the highest spec in use, in a sentence about numbering ("the next
# free numbers are 139 to 142") or about specs ("would be 139 and 140, after Spec 138"): the
# first is certain, the second left for review.
NUMBERING_TALK = re.compile(r"\bnumber(?:s|ing|ed)?\b", re.IGNORECASE)
SPEC_TALK = re.compile(r"\bspecs?\b", re.IGNORECASE)
NEXT_NUMBERS_REACH = 8


def spec_numbers_named(text: str) -> set[int]:
    """Spec numbers a text names: 'Spec 111', 'Specs 110 and 134', 'specs/138-...', 'number
    139', 'assign 139 to 142', '139-queued-execution'."""
    numbers = {int(match.group(1)) for match in SLUG_NUMBER.finditer(text)}
    for pattern in (SPEC_MENTION, NUMBER_MENTION):
        for match in pattern.finditer(text):
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
                    candidate.label,
                )
            continue
        if evidence.status == "uncertain":
            yield Violation(
                "SC201",
                where(letter, "spec_number"),
                f"Spec number {number:03d} is claimed while numbering is uncertain.",
                f"Set spec_number to null and the label to {plain_label!r}.",
                str(number),
            )
        elif number in evidence.in_use:
            yield Violation(
                "SC201",
                where(letter, "spec_number"),
                f"Spec number {number:03d} already exists in the repository.",
                f"Use one of the available numbers {listing(evidence.available)} or null.",
                str(number),
            )
        elif number not in evidence.available:
            yield Violation(
                "SC201",
                where(letter, "spec_number"),
                f"Spec number {number:03d} is not among the available numbers.",
                f"Use one of {listing(evidence.available)} or null.",
                str(number),
            )
        if used[number] > 1:
            yield Violation(
                "SC201",
                where(letter, "spec_number"),
                f"Spec number {number:03d} is used by more than one candidate.",
                "Give each candidate its own number, or none.",
                str(number),
            )
        if candidate.label not in (plain_label, f"Spec {number:03d}"):
            yield Violation(
                "SC201",
                where(letter, "label"),
                f"Label {candidate.label!r} does not match spec_number {number:03d}.",
                f"Use the label 'Spec {number:03d}'.",
                candidate.label,
            )


def check_new_numbers(review: Review) -> Iterator[Violation | ReviewItem]:
    """SC202: no text names a new spec number unless it was proven available. Without any spec
    in use (not the target repository) no number can be called new, so nothing is judged."""
    evidence = review.numbering
    if not evidence.in_use:
        return
    allowed = set(evidence.in_use)
    if evidence.status == "proven":
        allowed |= set(evidence.available)
    texts = [
        (where(letter, field), text)
        for letter, candidate in review.candidates()
        for field, text in candidate_texts(candidate)
    ]
    texts += [(closing(field), text) for field, text in closing_texts(review.document)]
    hint = "Refer to new work as 'Candidate A'–'D' and to existing specs by their number."
    # A number wider than the repository's own is a year or a version ("JSON Schema spec
    # 2020-12"), not a spec number it could hand out.
    bound = 10 ** max(3, len(str(max(evidence.in_use))))

    def invented_in(text: str) -> list[int]:
        return sorted(n for n in spec_numbers_named(text) - allowed if n < bound)

    for location, text in texts:
        invented = invented_in(text)
        if invented:
            shown = next((s for s in sentences(text) if invented_in(s)), text)
            yield Violation(
                "SC202",
                location,
                f"The text names spec number(s) {listing(invented)}, which neither "
                "exist in the repository nor were proven available.",
                hint,
                excerpt(shown),
            )
        elif verdict := _next_numbers(text, allowed, max(evidence.in_use, default=0)):
            certain, numbers, sentence = verdict
            message = f"The text names {listing(numbers)}, the numbers after the highest spec"
            if certain:
                yield Violation("SC202", location, f"{message}, as spec numbers.", hint, sentence)
            else:
                yield ReviewItem(
                    "SC202",
                    location,
                    f"{message}; they may be meant as spec numbers.",
                    hint,
                    sentence,
                )


def _next_numbers(text: str, allowed: set[int], highest: int) -> tuple[bool, list[int], str] | None:
    """Bare numbers just above the highest spec in use, in a sentence about specs."""
    for sentence in sentences(text):
        numbers = sorted(
            {
                number
                for match in BARE_NUMBER.finditer(sentence)
                if highest < (number := int(match.group(1))) <= highest + NEXT_NUMBERS_REACH
                and number not in allowed
            }
        )
        if numbers and (NUMBERING_TALK.search(sentence) or SPEC_TALK.search(sentence)):
            return bool(NUMBERING_TALK.search(sentence)), numbers, excerpt(sentence)
    return None
