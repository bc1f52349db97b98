"""Numbering rules: labels and spec numbers agree with the repository's evidence (SC201), and no
text names a spec number that neither exists nor was proven available (SC202)."""

import re
from collections import Counter
from collections.abc import Iterator

from specrun.context.numbering import NumberingEvidence, listing
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
# A") unless what follows is counted ("reserve 100 slots", "allocates 256 or 512 MB"), or as a
# slug ("139-queued-execution"). Ranges and lists that follow ("139 to 142", "139–142", "139,
# 140 and 141") belong to the same mention, read whole (possessively, so a count cannot give
# back its range to match the first number alone). Other numbers (Article 2.1, F-12, HTTP 403,
# counts, years) are left alone, and so are digits of other scripts ("Spec ١٤٥"): spec numbers
# are ASCII.
LIST_TAIL = r"((?:\s*(?:,|and|or|&|/|to|through|–|-)\s*#?[0-9]{3,}\b)*+)"
SHORT_LIST_TAIL = r"((?:\s*(?:,|and|or|&|/|to|through|–|-)\s*#?[0-9]{3}\b)*+)"
SPEC_MENTION = re.compile(
    r"\b(?:spec(?:ification)?s?(?:[\s#:-]*|/)|no\.\s*)([0-9]{3,})\b" + LIST_TAIL,
    re.IGNORECASE,
)
NUMBER_MENTION = re.compile(r"\bnumbers?[\s#:-]*([0-9]{3})\b" + SHORT_LIST_TAIL, re.IGNORECASE)
# What a count is followed by: "per", a unit, or a plural noun (a word ending in "s" that is
# not one of the few common words that end so without being one).
COUNTED = (
    r"per|mb|gb|kb|tb|ms|bytes?|seconds?|minutes?|hours?|days?|weeks?|percent"
    r"|(?!(?:is|as|has|was|does|thus|always|afterwards|unless|this|its|plus|perhaps|across"
    r"|whereas|besides|hers|ours|yours|theirs)\b)[a-z]+s"
)
HANDED_OUT = re.compile(
    r"\b(?:assign|reserv|allocat|claim)\w*(?:\s+(?:spec\s+)?numbers?)?[\s#:-]*([0-9]{3})\b"
    + SHORT_LIST_TAIL
    + rf"(?!\s*(?:%|(?:{COUNTED})\b))",
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
    for pattern in (SPEC_MENTION, NUMBER_MENTION, HANDED_OUT):
        for match in pattern.finditer(text):
            numbers.add(int(match.group(1)))
            numbers.update(int(number) for number in NUMBER.findall(match.group(2)))
    return numbers


def plausible(numbers: set[int], evidence: NumberingEvidence) -> set[int]:
    """The numbers no wider than the repository's own (in use or available): a wider one is a
    year or a version ("JSON Schema spec 2020-12", "Spec 139, 2024 revision")."""
    widest = max((*evidence.in_use, *evidence.available), default=0)
    return {number for number in numbers if number < 10 ** max(3, len(str(widest)))}


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

    def invented_in(text: str) -> list[int]:
        return sorted(plausible(spec_numbers_named(text), evidence) - allowed)

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
