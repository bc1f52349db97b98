"""Targeted re-asks: ask only for the parts that broke a rule, and merge the answer by letter.

When every violation of an answer lies inside some candidates or the closing sections,
``targeted_ask`` returns the ``Ask`` for exactly those parts; anything that concerns the whole
document (an unreadable or cut-off answer, SC101, a schema breach outside the candidates) gives
None, and the loop re-asks for the complete document. ``Ask.response_model`` is the patch schema,
built per re-ask: one required field per candidate asked (``candidate_a``, ...) whose ``letter``
(and ``theme`` and ``label``, where asked) is fixed to that letter, and the closing sections'
fields only when a closing rule failed. A candidate whose violations all name its fields is asked
for those fields alone (``label`` and ``spec_number`` go together); one with a violation of the
candidate as a whole (its directions, its prose, a malformed candidate) is asked for whole. The
schema goes to the provider exactly as the full schema does (``specrun.providers.schemas``), so
strict decoding holds the model to those letters and fields.

``merge_patch`` reads the answer the way every answer is read (``specrun.rules.answers.decode``),
checks its letters and fields before anything is merged, and replaces the asked parts of the
previous document's JSON by letter and field; the merged JSON is then judged whole,
cross-candidate rules included (``specrun.rules.validate_document``). A patch that drops a letter
or field it was asked for, holds one it was not asked for, or renames a letter (its ``letter``,
label or theme naming another candidate) is not merged: each problem is an SC104 violation at
``patch > KEY`` with the offending text as evidence, sent back with the previous document's own
violations. So a candidate, or a field, that was valid is never replaced, and what a merged patch
broke (``Patched.broke``) is reported.
"""

import copy
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema, create_model

from specrun.context.numbering import NumberingEvidence
from specrun.context.prompt_pack import PackRules
from specrun.document.model import (
    SpecCandidate,
    SpecCandidates,
    Strict,
    without_lone_surrogates,
)
from specrun.providers import Answer
from specrun.rules import Findings, Violation, validate_document
from specrun.rules.answers import decode
from specrun.rules.findings import CLOSING, LETTERS
from specrun.rules.phrases import EXCERPT_LIMIT, excerpt

PATCH = "patch"
CLOSING_FIELDS = tuple(name for name in SpecCandidates.model_fields if name != "candidates")
WHOLE_DOCUMENT_CODES = frozenset({"SC101"})
PATCH_HINT = (
    "Return exactly the parts asked for, under their own keys: each candidate with its own letter "
    "and the fields asked for (all of them for a candidate asked for whole); leave every other "
    "candidate and field out."
)
NAME_LIMIT = 60


def candidate_key(letter: str) -> str:
    return f"candidate_{letter.lower()}"


FIELDS = tuple(SpecCandidate.model_fields)
TOGETHER = {"label": ("label", "spec_number"), "spec_number": ("label", "spec_number")}
FIELD_HEAD = re.compile(r"[^.\[]+")


def _part(violation: Violation) -> tuple[str, str | None] | None:
    """Where a violation lies: a letter and the candidate field it names (None: the candidate
    as a whole), or ``CLOSING``; None when it concerns the whole document. Problems of a refused
    patch (``patch > ...``) lie in no part (``("", None)``): the parts they concern are the ones
    asked before, still broken in the previous document."""
    head, _, rest = violation.location.partition(" > ")
    if head == PATCH:
        return "", None
    if head == CLOSING:
        return CLOSING, None
    prefix, _, letter = head.partition(" ")
    if prefix != "Candidate" or letter not in LETTERS:
        return None
    named = FIELD_HEAD.match(rest)
    field = named.group(0) if named else None
    return letter, field if field in FIELDS and field != "theme" else None


@dataclass(frozen=True)
class Part:
    """One candidate to rewrite: these fields of it, or (``fields`` empty) all of it."""

    letter: str
    fields: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return candidate_key(self.letter)

    def describe(self) -> str:
        named = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"Candidate {self.letter}{named}"


@dataclass(frozen=True)
class Ask:
    """What a targeted re-ask asks for: these candidates, and the closing sections or not."""

    candidates: tuple[Part, ...]
    closing: bool

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(part.letter for part in self.candidates)

    @property
    def parts(self) -> list[str]:
        return [part.describe() for part in self.candidates] + ([CLOSING] if self.closing else [])

    @property
    def keys(self) -> list[str]:
        return [part.key for part in self.candidates] + (
            list(CLOSING_FIELDS) if self.closing else []
        )

    def describe(self) -> str:
        parts = self.parts
        return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"

    def response_model(self, rules: PackRules, numbering: NumberingEvidence) -> type[BaseModel]:
        """The patch schema: the asked candidates under fixed keys, each fixed to its letter
        (and its theme and the labels its letter may carry); the closing fields when asked."""
        themes = {rule.letter: rule.theme for rule in rules.candidates}
        fields: dict[str, Any] = {
            part.key: (
                _fixed_candidate(part, themes[part.letter], numbering),
                Field(description=f"{part.describe()}, rewritten and corrected."),
            )
            for part in self.candidates
        }
        if self.closing:
            for name in CLOSING_FIELDS:
                info = SpecCandidates.model_fields[name]
                fields[name] = (info.annotation, info)
        model: type[BaseModel] = create_model(
            "SpecCandidatesPatch",
            __base__=Strict,
            __doc__=f"Only {self.describe()} of the result document, corrected.",
            **fields,
        )
        return model


def _one_of(*values: str) -> Any:
    return Annotated[str, WithJsonSchema({"type": "string", "enum": list(values)})]


def _fixed_candidate(part: Part, theme: str, numbering: NumberingEvidence) -> type[BaseModel]:
    """A whole candidate, or only the asked fields of one, marked with its fixed letter."""
    letter = part.letter
    labels = [f"Candidate {letter}"]
    if numbering.status == "proven":
        labels += [f"Spec {number:03d}" for number in numbering.available]
    fixed: dict[str, Any] = {
        "letter": (_one_of(letter), Field(description=f"Always '{letter}'.")),
        "label": (_one_of(*labels), SpecCandidate.model_fields["label"]),
        "theme": (_one_of(theme), Field(description=f"Always '{theme}'.")),
    }
    if not part.fields:
        model: type[BaseModel] = create_model(f"Candidate{letter}", __base__=SpecCandidate, **fixed)
        return model
    fields: dict[str, Any] = {"letter": fixed["letter"]}
    for name in part.fields:
        info = SpecCandidate.model_fields[name]
        fields[name] = fixed.get(name, (info.annotation, info))
    partial: type[BaseModel] = create_model(f"Candidate{letter}Fields", __base__=Strict, **fields)
    return partial


def targeted_ask(data: object, violations: Iterable[Violation], parsed: bool) -> Ask | None:
    """The parts to ask for, or None when only the complete document will do. ``data`` is the
    previous document's JSON; ``parsed`` says whether it fit the result schema, without which a
    breach in the closing sections is a breach outside the candidates."""
    if not isinstance(data, dict) or not _four_candidates(data.get("candidates")):
        return None
    fields: dict[str, set[str] | None] = {}
    closing = False
    for violation in violations:
        part = _part(violation)
        if part is None or violation.code in WHOLE_DOCUMENT_CODES:
            return None
        place, field = part
        if place == CLOSING:
            if not parsed:
                return None
            closing = True
        elif place:
            named = fields.setdefault(place, set())
            if field is None or named is None:
                fields[place] = None
            else:
                named.update(TOGETHER.get(field, (field,)))
    if not fields and not closing:
        return None
    if len(fields) == len(LETTERS) and all(named is None for named in fields.values()):
        return None
    candidates = tuple(
        Part(letter, tuple(name for name in FIELDS if name in (fields[letter] or ())))
        for letter in LETTERS
        if letter in fields
    )
    return Ask(candidates, closing)


def _four_candidates(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == len(LETTERS)
        and all(isinstance(item, dict) for item in value)
    )


@dataclass(frozen=True)
class Patched:
    """A patch answer to ``ask``: the merged document's JSON, or None when it was not merged;
    what it broke that held before."""

    ask: Ask
    merged: dict[str, Any] | None
    broke: tuple[Violation, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "asked": self.ask.parts,
            "merged": self.merged,
            "broke": [violation.as_dict() for violation in self.broke],
        }


def _shown(value: object, limit: int = NAME_LIMIT) -> str:
    """A value from the patch as a message may quote it: one line, short, encodable, with
    control and bidi characters escaped."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    shown = without_lone_surrogates(excerpt(text, limit))
    escaped = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in shown)
    return excerpt(escaped, limit)


def _problem(key: str, message: str, evidence: object = "") -> Violation:
    """A reason not to merge, at ``patch > KEY``; ``key`` and ``evidence`` come from the answer,
    so both are cut short."""
    location = f"{PATCH} > {_shown(key)}"
    return Violation("SC104", location, message, PATCH_HINT, _shown(evidence, EXCERPT_LIMIT))


def patch_problems(data: dict[str, Any], ask: Ask, themes: dict[str, str]) -> list[Violation]:
    """Why the patch cannot be merged: letters dropped, not asked for, or renamed."""
    asked = ask.keys
    problems = []
    for key, value in data.items():
        if key in asked:
            continue
        letter = key.removeprefix("candidate_").upper()
        if letter in LETTERS and key == candidate_key(letter):
            problems.append(
                _problem(
                    key,
                    f"The patch holds Candidate {letter}, which was not asked for; only "
                    f"{ask.describe()} may be rewritten.",
                    value.get("working_title", value) if isinstance(value, dict) else value,
                )
            )
        else:
            problems.append(
                _problem(
                    key, f"The patch holds {_shown(key)!r}, which the patch schema does not have."
                )
            )
    for key in asked:
        if key not in data:
            problems.append(
                _problem(
                    key,
                    f"The patch drops {key}, which was asked for.",
                    ", ".join(data) or "an empty object",
                )
            )
    for part in ask.candidates:
        candidate = data.get(part.key)
        if isinstance(candidate, dict):
            problems += _renamed(part.letter, candidate, themes)
            if part.fields:
                problems += _fields(part, candidate)
    return problems


def _fields(part: Part, candidate: dict[str, Any]) -> list[Violation]:
    """A candidate asked for some fields must hold exactly those (and its letter)."""
    asked = {"letter", *part.fields}
    found = [
        _problem(
            f"{part.key}.{name}",
            f"The patch holds {_shown(name)!r} of Candidate {part.letter}, which was not asked "
            "for.",
            candidate[name],
        )
        for name in candidate
        if name not in asked
    ]
    found += [
        _problem(
            f"{part.key}.{name}",
            f"The patch drops {name} of Candidate {part.letter}, which was asked for.",
            ", ".join(candidate),
        )
        for name in part.fields
        if name not in candidate
    ]
    return found


def _renamed(letter: str, candidate: dict[str, Any], themes: dict[str, str]) -> list[Violation]:
    key = candidate_key(letter)
    found: list[Violation] = []
    marked = candidate.get("letter")
    if marked != letter:
        message = f"Candidate {letter} is marked {_shown(marked)!r}."
        found.append(_problem(f"{key}.letter", message, marked))
    label = candidate.get("label")
    if isinstance(label, str) and label.startswith("Candidate ") and label != f"Candidate {letter}":
        message = f"Candidate {letter} is labelled {_shown(label)!r}."
        found.append(_problem(f"{key}.label", message, label))
    theme = candidate.get("theme")
    other = next((o for o, t in themes.items() if t == theme and o != letter), None)
    if other is not None:
        found.append(
            _problem(
                f"{key}.theme",
                f"Candidate {letter} carries Candidate {other}'s theme {theme!r}.",
                theme,
            )
        )
    if found:
        found[0] = Violation(
            found[0].code,
            found[0].location,
            f"The patch renames a letter: {found[0].message}",
            found[0].hint,
            found[0].evidence,
        )
    return found


def merged_data(base: dict[str, Any], patch: dict[str, Any], ask: Ask) -> dict[str, Any]:
    """``base`` with the asked parts replaced by the patch's, by letter and field."""
    merged = copy.deepcopy(base)
    for part in ask.candidates:
        candidate = dict(patch[part.key])
        candidate.pop("letter", None)
        index = LETTERS.index(part.letter)
        if part.fields:
            merged["candidates"][index] = {**merged["candidates"][index], **candidate}
        else:
            merged["candidates"][index] = candidate
    if ask.closing:
        for name in CLOSING_FIELDS:
            merged[name] = patch[name]
    return merged


def merge_patch(
    answer: Answer,
    ask: Ask,
    base: dict[str, Any],
    previous: Sequence[Violation],
    rules: PackRules,
    numbering: NumberingEvidence,
) -> tuple[SpecCandidates | None, Findings, Patched]:
    """The merged document and its findings, or None and why the patch was not merged."""
    data, problem = decode(answer)
    if problem is not None:
        return None, Findings((problem,)), Patched(ask, None)
    if not isinstance(data, dict):
        unusable = _problem(
            "answer", f"The patch is a JSON {type(data).__name__}, not an object.", data
        )
        return None, Findings((unusable,)), Patched(ask, None)
    themes = {rule.letter: rule.theme for rule in rules.candidates}
    if problems := patch_problems(data, ask, themes):
        return None, Findings(tuple(problems)), Patched(ask, None)
    merged = merged_data(base, data, ask)
    document, findings = validate_document(merged, rules, numbering)
    before = {(v.code, v.location) for v in previous}
    broke = tuple(v for v in findings.violations if (v.code, v.location) not in before)
    return document, findings, Patched(ask, merged, broke)


def targeted_message(ask: Ask, listed: str) -> str:
    """The re-ask's request: the violations, then only the asked parts, by key."""
    keys = ", ".join(f"`{key}`" for key in ask.keys)
    return (
        f"Your previous answer breaks these rules:\n{listed}\n\n"
        f"Rewrite only {ask.describe()}: return each of them corrected (a candidate named "
        "without fields: whole; one with fields: exactly those fields), as JSON that fits the "
        f"patch schema, with exactly these keys: {keys}. Every other part of the document is "
        "kept from your previous answer as it is; do not repeat it."
    )
