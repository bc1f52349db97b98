"""Language rules: the text is English (SC601) in a formal register (SC602).

SC601 asks langdetect (a port of Google's language-detection library, pure Python) about each
candidate's whole prose and the closing sections' prose at once, then about each prose field
(not list item) long enough to carry signal alone: short items such as noun phrases ("Jobs MUST
carry actor id, workspace id and tenant id.") are never judged on their own. Only a confident
non-English verdict is a violation, one per candidate. langdetect samples at random,
so its seed is fixed for reproducible verdicts, and it is imported only when a document is
checked.

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

import re
from collections.abc import Iterator

from specrun.context.prompt_pack import PackRules
from specrun.context.terms import normalise
from specrun.rules.findings import (
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
# langdetect samples features from the text; a few thousand characters decide as well as the
# whole, and keep the cost of a long answer flat.
SAMPLE_CHARS = 4000
REGISTER_HINT = "Use formal, impersonal enterprise spec language: state decisions as requirements."


def _all_texts(review: Review) -> Iterator[tuple[str, str]]:
    for letter, candidate in review.candidates():
        for field, text in candidate_texts(candidate):
            yield where(letter, field), text
    for field, text in closing_texts(review.document):
        yield closing(field), text


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


def detected_language(text: str) -> tuple[str, float]:
    """The most probable language of the text and its probability."""
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        best = detect_langs(text)[0]
    except LangDetectException:
        return "unknown", 0.0
    return str(best.lang), float(best.prob)


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
    if hedge := affirmed_term(sentence, rules.hedges):
        return f"hedging ({hedge!r})"
    if marker := affirmed_term(sentence, rules.informal):
        return f"an informal discourse marker ({marker!r})"
    if EXCLAMATION.search(sentence):
        return "an exclamation mark"
    if emoji := EMOJI.search(sentence):
        return f"an emoji ({emoji.group(0)!r})"
    return None


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
        plain = normalise(sentence)
        for reading in rules.formal_readings:
            plain = plain.replace(normalise(reading), " ")
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
    for location, text in _all_texts(review):
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
