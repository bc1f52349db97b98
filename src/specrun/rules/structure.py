"""Structural rules: the four candidates and their fixed fields (SC101–SC105), the closing
sections (SC701), and text a terminal would act on (SC104, ``check_characters``)."""

import re
from collections import Counter
from collections.abc import Iterator

from specrun.document.model import (
    DELIVERY_RECOMMENDATIONS,
    LIST_ITEMS,
    PRIORITIES,
    STATUSES,
    SpecCandidate,
)
from specrun.gates.terminal import unseen, visible
from specrun.rules.findings import LETTERS, Review, Span, Violation, closing, where
from specrun.rules.phrases import excerpt

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PROSE_FIELDS = (
    "summary",
    "why_needed_now",
    "problem_statement",
    "target_model",
    "dependencies_and_sequencing",
)


def check_candidate_set(review: Review) -> Iterator[Violation]:
    """SC101: exactly four candidates, in order A–D, each with its own theme."""
    count = len(review.document.candidates)
    if count != len(LETTERS):
        yield Violation(
            "SC101",
            "candidates",
            f"There are {count} candidates; exactly {len(LETTERS)} are required.",
            "Give exactly one candidate per theme, in the order A, B, C, D.",
            spans=tuple(
                Span(where(letter, "label"), excerpt(candidate.label))
                for letter, candidate in review.candidates()
            ),
        )
    expected = [rule.theme for rule in review.rules.candidates]
    for (letter, candidate), theme in zip(review.candidates(), expected, strict=False):
        if candidate.theme != theme:
            yield Violation(
                "SC101",
                where(letter, "theme"),
                f"Theme is {candidate.theme!r}; position {letter} is {theme!r}.",
                "Keep the order A–D and give each candidate its own theme.",
                candidate.theme,
            )


def check_status(review: Review) -> Iterator[Violation]:
    """SC102: status is Proposed."""
    for letter, candidate in review.candidates():
        if candidate.status not in STATUSES:
            yield Violation(
                "SC102",
                where(letter, "status"),
                f"Status is {candidate.status!r}.",
                "Set the status to 'Proposed'.",
                excerpt(candidate.status),
            )


def check_identity(review: Review) -> Iterator[Violation]:
    """SC103: kebab-case, pairwise distinct slugs; pairwise distinct titles."""
    candidates = list(review.candidates())
    for letter, candidate in candidates:
        if not SLUG.match(candidate.slug):
            yield Violation(
                "SC103",
                where(letter, "slug"),
                f"Slug {candidate.slug!r} is not lowercase kebab-case.",
                "Use lowercase words joined by single hyphens, e.g. 'queued-execution-trust'.",
                excerpt(candidate.slug),
            )
    for field in ("slug", "working_title"):
        seen = Counter(getattr(candidate, field).strip().casefold() for _, candidate in candidates)
        for letter, candidate in candidates:
            if seen[getattr(candidate, field).strip().casefold()] > 1:
                yield Violation(
                    "SC103",
                    where(letter, field),
                    f"{field} {getattr(candidate, field)!r} is shared with another candidate.",
                    "Give every candidate its own slug and working title.",
                    excerpt(getattr(candidate, field)),
                )


def _substance_problem(text: str, review: Review, min_words: int) -> str | None:
    stripped = text.strip()
    if not stripped:
        return "is empty"
    if stripped.casefold().strip(".") in review.rules.placeholders:
        return f"is a placeholder ({stripped!r})"
    if len(stripped.split()) < min_words:
        return f"has fewer than {min_words} words"
    return None


def _item_problems(candidate: SpecCandidate, review: Review) -> Iterator[tuple[str, str, str]]:
    min_words = review.rules.prose_min_words
    for field in ("working_title", *PROSE_FIELDS):
        problem = _substance_problem(getattr(candidate, field), review, 1)
        if problem is None and field != "working_title":
            problem = _substance_problem(getattr(candidate, field), review, min_words)
        if problem:
            yield field, problem, getattr(candidate, field)
    for field in LIST_ITEMS:
        items = getattr(candidate, field)
        if not items:
            yield field, "is an empty list", ""
        for index, item in enumerate(items):
            if problem := _substance_problem(item, review, 1):
                yield f"{field}[{index}]", problem, item
    if not candidate.boundary_to_existing_specs:
        yield "boundary_to_existing_specs", "is an empty list", ""
    for index, boundary in enumerate(candidate.boundary_to_existing_specs):
        for part, words in (("spec", 1), ("relationship", 1), ("statement", min_words)):
            text = getattr(boundary, part)
            if problem := _substance_problem(text, review, words):
                yield f"boundary_to_existing_specs[{index}].{part}", problem, text


def check_substance(review: Review) -> Iterator[Violation]:
    """SC104: every item present and substantive."""
    for letter, candidate in review.candidates():
        for field, problem, text in _item_problems(candidate, review):
            yield Violation(
                "SC104",
                where(letter, field),
                f"The item {problem}.",
                "Write the item out in concrete, formal spec language.",
                excerpt(text),
            )


FieldPath = tuple[int | str, ...]


def _texts(value: object) -> Iterator[tuple[FieldPath, str]]:
    """Every string in the dumped document, with its path, in document order."""
    pending: list[tuple[object, FieldPath]] = [(value, ())]
    while pending:
        item, at = pending.pop()
        if isinstance(item, str):
            yield at, item
        elif isinstance(item, dict):
            pending.extend((inner, (*at, key)) for key, inner in reversed(item.items()))
        elif isinstance(item, list):
            indexed = list(enumerate(item))
            pending.extend((inner, (*at, index)) for index, inner in reversed(indexed))


def _dotted(path: FieldPath) -> str:
    named = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
    return named.lstrip(".")


def _location(path: FieldPath) -> str:
    if len(path) >= 2 and path[0] == "candidates" and isinstance(path[1], int):
        return where(chr(ord("A") + path[1]), _dotted(path[2:]) or "candidate")
    return closing(_dotted(path))


def check_characters(review: Review) -> Iterator[Violation]:
    """SC104: no item holds a control character other than line break and tab, or a bidi
    control: a terminal would act on it (erase lines, set the title, reorder text) and a reader
    of the file would not see it. The evidence shows it escaped."""
    for path, text in _texts(review.document.model_dump(mode="json")):
        if found := unseen(text):
            start = max(0, found.start() - 30)
            yield Violation(
                "SC104",
                _location(path),
                f"The item holds the control character {visible(found.group())}, which a "
                "terminal would act on and a reader would not see.",
                "Write plain text: no control characters other than line breaks and tabs, and "
                "no bidirectional-text controls.",
                excerpt(visible(text[start : found.end() + 30])),
            )


def check_fixed_sets(review: Review) -> Iterator[Violation]:
    """SC105: delivery recommendation and priority from their fixed sets."""
    for letter, candidate in review.candidates():
        for field, allowed in (
            ("delivery_recommendation", DELIVERY_RECOMMENDATIONS),
            ("implementation_priority", PRIORITIES),
        ):
            value = getattr(candidate, field)
            if value not in allowed:
                yield Violation(
                    "SC105",
                    where(letter, field),
                    f"{value!r} is not one of {', '.join(allowed)}.",
                    f"Choose exactly one of: {', '.join(allowed)}.",
                    excerpt(value),
                )


def check_closing(review: Review) -> Iterator[Violation]:
    """SC701: order, parallel tracks, start-first and numbering strategy."""
    document, labels = review.document, review.labels()
    order = document.recommended_implementation_order
    if sorted(order) != sorted(labels):
        yield Violation(
            "SC701",
            closing("recommended_implementation_order"),
            f"The order {order} is not a permutation of the labels {labels}.",
            "List each of the four candidate labels exactly once.",
            spans=tuple(
                Span(closing(f"recommended_implementation_order[{index}]"), excerpt(label))
                for index, label in enumerate(order)
            ),
        )
    if not document.parallel_tracks:
        yield Violation(
            "SC701",
            closing("parallel_tracks"),
            "No parallel tracks are given.",
            "Say which candidates can run in parallel, with a rationale.",
        )
    for index, track in enumerate(document.parallel_tracks):
        strangers = [label for label in track.candidates if label not in labels]
        named = tuple(
            Span(closing(f"parallel_tracks[{index}].candidates[{place}]"), excerpt(label))
            for place, label in enumerate(track.candidates)
        )
        if strangers or not track.candidates:
            yield Violation(
                "SC701",
                closing(f"parallel_tracks[{index}]"),
                f"The track names {strangers or 'no candidates'}, not the four labels.",
                f"Name only these labels: {', '.join(labels)}.",
                spans=tuple(span for span in named if span.text in strangers),
            )
        if not track.rationale.strip():
            yield Violation(
                "SC701",
                closing(f"parallel_tracks[{index}].rationale"),
                "The track has no rationale.",
                "Say why these candidates can run in parallel.",
                spans=named,
            )
    start = document.start_first
    if not order or start.candidate != order[0]:
        yield Violation(
            "SC701",
            closing("start_first.candidate"),
            f"start_first is {start.candidate!r} but the order begins with "
            f"{order[0] if order else 'nothing'!r}.",
            "Start first with the first candidate of the recommended order.",
            spans=(
                Span(closing("start_first.candidate"), excerpt(start.candidate)),
                *(
                    [Span(closing("recommended_implementation_order[0]"), excerpt(order[0]))]
                    if order
                    else []
                ),
            ),
        )
    if len(start.rationale.split()) < review.rules.prose_min_words:
        yield Violation(
            "SC701",
            closing("start_first.rationale"),
            "The start-first choice has no substantive rationale.",
            "Explain why this candidate should start first.",
            excerpt(start.rationale),
        )
    uncertain = review.numbering.status == "uncertain"
    if uncertain and len(document.numbering_strategy.split()) < review.rules.prose_min_words:
        yield Violation(
            "SC701",
            closing("numbering_strategy"),
            "Numbering is uncertain but no numbering strategy is recommended.",
            "Recommend how to assign spec numbers once the active numbering is known.",
            excerpt(document.numbering_strategy),
        )
