"""Language rules: the text is English (SC601) in a formal register (SC602)."""

import re
from collections.abc import Iterator

from specrun.phrases import affirmed_term, normalise
from specrun.validation.model import (
    Review,
    Violation,
    candidate_texts,
    closing,
    closing_texts,
    where,
)

WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
FIRST_PERSON_CAPITAL = re.compile(r"(?<![\w'])I(?:'m|'ve|'d|'ll)?(?![\w'])")
FIRST_PERSON = re.compile(r"\b(?:me|my|mine|myself)\b", re.IGNORECASE)
NUMERAL_BEFORE_I = re.compile(r"(?:phase|tier|stage|part|level|type|class|wave)\s+$", re.IGNORECASE)
EXCLAMATION = re.compile(r"!(?=\s|$|[\"')\]])")
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f]")


def _all_texts(review: Review) -> Iterator[tuple[str, str]]:
    for letter, candidate in review.candidates():
        for field, text in candidate_texts(candidate):
            yield where(letter, field), text
    for field, text in closing_texts(review.document):
        yield closing(field), text


def check_english(review: Review) -> Iterator[Violation]:
    """SC601: long passages read as English, judged by their share of English function words."""
    function_words = set(review.rules.english_function_words)
    for location, text in _all_texts(review):
        words = [word.casefold() for word in WORD.findall(text)]
        if len(words) < review.rules.english_min_words:
            continue
        share = sum(word in function_words for word in words) / len(words)
        if share < review.rules.english_min_share:
            yield Violation(
                "SC601",
                location,
                "The text does not read as English.",
                "Write every item in English.",
            )


def _first_person(text: str) -> str | None:
    for match in FIRST_PERSON_CAPITAL.finditer(text):
        if not NUMERAL_BEFORE_I.search(text[: match.start()]):
            return match.group(0)
    pronoun = FIRST_PERSON.search(text)
    return pronoun.group(0) if pronoun else None


def _register_problem(text: str, hedges: list[str]) -> str | None:
    if word := _first_person(text):
        return f"first person singular ({word!r})"
    if hedge := affirmed_term(normalise(text), hedges):
        return f"hedging ({hedge!r})"
    if EXCLAMATION.search(text):
        return "an exclamation mark"
    if emoji := EMOJI.search(text):
        return f"an emoji ({emoji.group(0)!r})"
    return None


def check_register(review: Review) -> Iterator[Violation]:
    """SC602: no first person singular, hedging, exclamation marks or emoji."""
    for location, text in _all_texts(review):
        if problem := _register_problem(text, review.rules.hedges):
            yield Violation(
                "SC602",
                location,
                f"The text uses {problem}.",
                "Use formal, impersonal enterprise spec language: state decisions as requirements.",
            )
