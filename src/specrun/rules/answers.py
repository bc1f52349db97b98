"""From a model's raw answer to a verdict: one path, for ``run`` and the judge.

``judge_answer`` turns an answer into the result document, or None when there is none to judge,
and its findings. A response with no answer in it, or an answer cut off at the output limit,
declined, too deep, ambiguous (a key given twice in one object) or not JSON, is one SC104
violation located at the answer (the line and column where the JSON breaks, the text around it
as evidence). Decoded JSON goes on to
``specrun.rules.validate_document``, the function ``check`` gives a result file's JSON: a breach of
the schema is an SC104 violation at the item it concerns, a readable document gets every rule
check. So ``run`` (which re-asks with exactly these findings and keeps them in the run record)
and ``check`` judge the same JSON the same way; ``check`` alone refuses a file that is not a
JSON object as an input error.

``read_answer`` is the same reading for any response model (the judge's verdicts, say), with
locations as dotted paths.
"""

import json
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from specrun.context.numbering import NumberingEvidence
from specrun.context.prompt_pack import PackRules
from specrun.document.model import SpecCandidates, without_lone_surrogates
from specrun.gates.limits import DuplicateKey, parse_json
from specrun.providers import Answer
from specrun.rules import Findings, Violation, schema_violations, validate_document

M = TypeVar("M", bound=BaseModel)
Locate = Callable[[tuple[int | str, ...]], str]
ANSWER = "answer"
CONTEXT = 40
REWRITE = "Return the complete result as one JSON object that fits the result schema."


def dotted(path: tuple[int | str, ...]) -> str:
    """A location such as ``verdicts[2].quote``."""
    named = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
    return named.lstrip(".") or ANSWER


def _around(text: str, position: int) -> str:
    return without_lone_surrogates(text[max(0, position - CONTEXT) : position + CONTEXT])


def decode(answer: Answer) -> tuple[object, Violation | None]:
    """The JSON value of the answer, or why there is none to read."""
    if answer.unreadable:
        return None, Violation(
            "SC104",
            ANSWER,
            "The provider's response held no answer where its API puts one.",
            REWRITE,
            _around(answer.raw, CONTEXT),
        )
    if answer.declined:
        return None, Violation(
            "SC104",
            ANSWER,
            f"The model declined to answer (stop reason {answer.stop_reason}).",
            REWRITE,
            _around(answer.raw, CONTEXT),
        )
    try:
        return parse_json(answer.raw), None
    except json.JSONDecodeError as error:
        if answer.truncated:
            return None, Violation(
                "SC104",
                ANSWER,
                "The answer was cut off at the output limit before the JSON was complete "
                f"(stop reason {answer.stop_reason}).",
                f"{REWRITE} Keep every item concise so the whole document fits.",
                _around(answer.raw, len(answer.raw) - CONTEXT),
            )
        if not answer.raw.strip():
            return None, Violation("SC104", ANSWER, "The answer is empty.", REWRITE)
        return None, Violation(
            "SC104",
            f"{ANSWER}, line {error.lineno}, column {error.colno}",
            f"The answer is not valid JSON: {error.msg}.",
            REWRITE,
            _around(answer.raw, error.pos),
        )
    except DuplicateKey as duplicate:
        return None, Violation(
            "SC104",
            ANSWER,
            f"The answer is ambiguous: {duplicate}.",
            f"{REWRITE} Give each key once.",
            without_lone_surrogates(json.dumps(duplicate.key, ensure_ascii=False)[: CONTEXT * 2]),
        )
    except (RecursionError, ValueError):
        return None, Violation(
            "SC104",
            ANSWER,
            "The answer nests too deeply or holds a number too long to read.",
            REWRITE,
            _around(answer.raw, 0),
        )


def read_answer(
    answer: Answer, model: type[M], locate: Locate = dotted
) -> tuple[M | None, tuple[Violation, ...]]:
    """The answer as an instance of ``model``, or None and the reasons it is not one."""
    data, problem = decode(answer)
    if problem is not None:
        return None, (problem,)
    try:
        return model.model_validate(data), ()
    except ValidationError as error:
        return None, tuple(schema_violations(error, locate))


def judge_answer(
    answer: Answer, rules: PackRules, numbering: NumberingEvidence
) -> tuple[SpecCandidates | None, Findings]:
    """The result document in the answer, if it has one, and every finding on it."""
    data, problem = decode(answer)
    if problem is not None:
        return None, Findings((problem,))
    return validate_document(data, rules, numbering)
