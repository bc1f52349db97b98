"""A scripted provider for unit tests of the re-ask loop and the judge: answers, or faults, from
a queue; and a scripted check that leaves an item for review."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from specrun.providers import Answer, Request, Usage
from specrun.rules import ReviewItem
from specrun.rules.findings import Review
from specrun.rules.judge import JudgeVerdict, JudgeVerdicts


@dataclass(frozen=True)
class PatchFrom:
    """A targeted re-ask's answer: only the parts the request's patch schema asks for, taken
    from ``document`` (each candidate with its ``letter``)."""

    document: dict[str, Any]

    def answer(self, request: Request) -> dict[str, Any]:
        patch: dict[str, Any] = {}
        for key, info in request.response_model.model_fields.items():
            if key.startswith("candidate_"):
                letter = key.removeprefix("candidate_").upper()
                candidate = self.document["candidates"][ord(letter) - ord("A")]
                asked = getattr(info.annotation, "model_fields", {})
                patch[key] = {
                    **{name: candidate[name] for name in asked if name != "letter"},
                    "letter": letter,
                }
            else:
                patch[key] = self.document[key]
        return patch


ScriptItem = dict[str, Any] | str | Answer | BaseException | PatchFrom


class ScriptedProvider:
    """Each ``complete`` takes the next item: a document (dict), any other answer text (str), a
    ready ``Answer``, a ``PatchFrom``, or an exception to raise. Every request is kept for
    inspection."""

    def __init__(self, *script: ScriptItem) -> None:
        self.script = list(script)
        self.requests: list[Request] = []

    def complete(self, request: Request) -> Answer:
        self.requests.append(request)
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, Answer):
            return item
        if isinstance(item, PatchFrom):
            item = item.answer(request)
        if isinstance(item, dict):
            usage = Usage(input_tokens=100, output_tokens=50, cache_read_tokens=80)
            return Answer(json.dumps(item), usage, "end_turn")
        return Answer(item, Usage(), "end_turn")


D_BOUNDARY = "Candidate D > boundary_to_existing_specs"


def unsure_boundary(review: Review) -> Iterator[ReviewItem]:
    """A check that leaves Candidate D's boundary to Spec 138 for review, as a term list that
    cannot read its wording would."""
    for letter, candidate in review.candidates():
        if letter == "D" and candidate.boundary_to_existing_specs:
            yield ReviewItem(
                "SC401",
                D_BOUNDARY,
                "The terms do not find how Candidate D avoids duplicating Spec 138.",
                "Say what stays in Spec 138 and that this candidate does not duplicate it.",
                candidate.boundary_to_existing_specs[0].statement,
            )


def verdicts(*given: tuple[str, str, str], raw: str = "") -> Answer:
    """A judge's answer: (item id, holds or broken, quote) per verdict."""
    document = JudgeVerdicts(
        verdicts=[
            JudgeVerdict.model_validate(
                {"item": item, "verdict": verdict, "quote": quote, "reason": f"{verdict} here"}
            )
            for item, verdict, quote in given
        ]
    )
    return Answer(raw or document.model_dump_json(), Usage(40, 10), "end_turn")
