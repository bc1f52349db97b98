"""Tokens a targeted re-ask costs against a full one, on genuine corpus answers.

Each first answer is a mid answer of the corpus (``tests/fixtures/answers/mid-*.json``, written by
mid-size models blind to the rules) whose violations lie in at most two candidates, and perhaps
the closing sections. ``specrun run`` (the real run path and vendor SDK) sends it to the scripted
loopback server of ``tests/wire.py``, twice: once with ``--reask full``, where the server answers
the re-ask with the whole corrected document, and once with the targeted default, where it
answers with only the corrected parts the patch schema asks for. The corrected parts are genuine
too: the same fields of the same candidates (and the closing sections) from the first strong
answer of the corpus whose parts make the document valid; the full re-ask returns that whole
corrected document, the targeted one only the parts it was asked for.

The server counts tokens the way a BPE tokenizer does on English JSON, about one token per four
characters (``wire.estimated_tokens``): output tokens from the JSON text it returns, input tokens
from the system prompt and messages it receives. The judge is off, so both runs make exactly the
requests compared. Reported per answer: the re-ask's output tokens over the first answer's (goal
at most 0.35 when at most two candidates fail; a full re-ask is about 1.0), and the tokens to a
valid result (input + output of every request) of the targeted run over the full one. Run from
the checkout:

    .venv/bin/python benchmarks/reask_tokens.py [--provider anthropic|openai]
"""

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from wire import (  # noqa: E402
    Reply,
    SeenRequest,
    anthropic_json_answer,
    estimated_tokens,
    openai_json_answer,
    patch_of,
    requested_schema,
    scripted_server,
)

from specrun.context.numbering import gather_numbering_evidence  # noqa: E402
from specrun.context.prompt_pack import load_pack_rules  # noqa: E402
from specrun.rules import validate_document  # noqa: E402
from specrun.rules.findings import LETTERS  # noqa: E402
from specrun.run.patch import Ask, merged_data, targeted_ask  # noqa: E402
from specrun.run.runner import execute_run  # noqa: E402
from specrun.settings.config import Config, ProviderProfile, resolve_settings  # noqa: E402

EXAMPLE = ROOT / "examples" / "tenantatlas"
ANSWERS = ROOT / "tests" / "fixtures" / "answers"
PROMPT = "tenantpilot.spec-candidates"
GOAL = 0.35


def read(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def asked(document: dict[str, Any]) -> Ask | None:
    """What a targeted re-ask of ``document`` asks for, from the rules' violations."""
    rules = load_pack_rules(PROMPT, EXAMPLE)
    parsed, findings = validate_document(document, rules, gather_numbering_evidence(EXAMPLE))
    if not findings.violations:
        return None
    return targeted_ask(document, findings.violations, parsed is not None)


def corrected(first: dict[str, Any], ask: Ask) -> dict[str, Any] | None:
    """``first`` with the parts the re-ask asks for taken from a strong answer (the same fields
    of the same candidates, the closing sections), so that the document is valid."""
    rules = load_pack_rules(PROMPT, EXAMPLE)
    numbering = gather_numbering_evidence(EXAMPLE)
    for source in sorted(ANSWERS.glob("strong-*.json")):
        strong = read(source)
        patch: dict[str, Any] = {}
        for part in ask.candidates:
            candidate = strong["candidates"][LETTERS.index(part.letter)]
            patch[part.key] = {name: candidate[name] for name in part.fields} or candidate
        patch |= {key: strong[key] for key in ask.keys if key in strong}
        fixed = merged_data(first, patch, ask)
        document, findings = validate_document(fixed, rules, numbering)
        if document is not None and not findings.violations:
            return fixed
    return None


def counted(kind: str, text: str, request: SeenRequest) -> Reply:
    """An answer of ``text`` with its usage estimated from what was sent and returned."""
    body = request.body
    sent = json.dumps(body.get("system", "")) + json.dumps(body["messages"])
    if kind == "anthropic":
        reply = anthropic_json_answer(None, text=text, output_tokens=estimated_tokens(text))
        reply.body["usage"]["input_tokens"] = estimated_tokens(sent)
        return reply
    reply = openai_json_answer(None, content=text, completion_tokens=estimated_tokens(text))
    reply.body["usage"]["prompt_tokens"] = estimated_tokens(sent)
    return reply


def answering(kind: str, document: dict[str, Any]) -> Callable[[SeenRequest], Reply]:
    """The server's answer: the whole document, or only the parts a patch schema asks for."""

    def answer(request: SeenRequest) -> Reply:
        schema = requested_schema(request)
        whole = "candidates" in schema["properties"]
        text = json.dumps(document if whole else patch_of(document, schema))
        return counted(kind, text, request)

    return answer


def run(
    kind: str, first: dict[str, Any], fixed: dict[str, Any], reask: str
) -> list[tuple[int, int]]:
    """(input, output) tokens per attempt of one run against the scripted server."""
    replies = [answering(kind, first), answering(kind, fixed)]
    with scripted_server(replies) as server, tempfile.TemporaryDirectory() as runs:
        base_url = server.url + ("/v1" if kind == "openai" else "")
        profile = ProviderProfile.model_validate(
            {"kind": kind, "model": "scripted", "base_url": base_url}
        )
        chosen = resolve_settings(Config(judge=None), "benchmark", {}, reask=reask)
        settings = replace(chosen, profile_name="loop", profile=profile)
        result = execute_run(
            EXAMPLE, PROMPT, settings, {"SPECRUN_RUNS_DIR": runs}, report=lambda line: None
        )
    if result.outcome.document is None:
        raise SystemExit(f"the {reask} run did not reach a valid result")
    return [
        (a.answer.usage.input_tokens, a.answer.usage.output_tokens) for a in result.outcome.attempts
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", choices=("anthropic", "openai"), default="anthropic")
    kind = parser.parse_args().provider
    print(
        f"provider wire format: {kind}; tokens = ceil(characters / 4) of the JSON sent or returned"
    )
    print(
        f"{'answer':<8} {'first out':>9} {'patch out':>9} {'ratio':>6} {'full out':>9} "
        f"{'targeted total':>14} {'full total':>10} {'total ratio':>11}  asked for"
    )
    ratios = []
    for path in sorted(ANSWERS.glob("mid-*.json")):
        first = read(path)
        ask = asked(first)
        if ask is None or len(ask.candidates) > 2:
            why = "no violation" if ask is None else "more than two candidates fail"
            print(f"{path.stem:<8} skipped: {why}")
            continue
        fixed = corrected(first, ask)
        if fixed is None:
            print(f"{path.stem:<8} skipped: no strong answer's parts make it valid")
            continue
        targeted = run(kind, first, fixed, "targeted")
        full = run(kind, first, fixed, "full")
        ratio = targeted[1][1] / targeted[0][1]
        ratios.append(ratio)
        total_targeted = sum(i + o for i, o in targeted)
        total_full = sum(i + o for i, o in full)
        print(
            f"{path.stem:<8} {targeted[0][1]:>9,} {targeted[1][1]:>9,} {ratio:>6.2f} "
            f"{full[1][1]:>9,} {total_targeted:>14,} {total_full:>10,} "
            f"{total_targeted / total_full:>11.2f}  {ask.describe()}"
        )
    if ratios:
        worst = max(ratios)
        verdict = "meets" if worst <= GOAL else "misses"
        print(f"worst re-ask/first output ratio {worst:.2f}: {verdict} the goal of {GOAL}")


if __name__ == "__main__":
    main()
