"""Validation time against the length of an answer: it must grow linearly.

One field of the valid fixture (Candidate A's target model) is filled with genuine prose from
the corpus, repeated to each size, once as ordinary sentences and once as a single run-on clause
with no sentence breaks (the worst case for clause and negation scanning). Each size is
validated N times; the table shows the median and the time per KB, which stays flat when the
work is linear.

``--hostile-terms N`` checks with hostile rules instead: every term list of the bundled rules
padded to N terms that share their first words with the prose (each a near miss the matcher
must follow), the shape of a repository rules file written to slow validation down. A rules
file holds at most ``MAX_TERMS`` terms per list, so N above it is refused as such a file is
(older code without the bound measures any N).
Run from the checkout:

    .venv/bin/python benchmarks/validation.py [--runs N] [--max-kb KB] [--hostile-terms N]
"""

import argparse
import copy
import json
import statistics
import time
from pathlib import Path
from typing import Any

from specrun.context.numbering import gather_numbering_evidence
from specrun.context.prompt_pack import PackRules, load_pack_rules
from specrun.rules import validate_document

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tenantatlas"
FIXTURE = ROOT / "tests" / "fixtures" / "valid-result.json"
SOURCE = ROOT / "tests" / "fixtures" / "answers" / "strong-1.json"


def prose() -> str:
    candidate = json.loads(SOURCE.read_text(encoding="utf-8"))["candidates"][0]
    return " ".join([candidate["problem_statement"], candidate["target_model"]])


def hostile_rules(rules: PackRules, terms: int, words: list[str]) -> PackRules:
    """The rules with every term list padded to ``terms`` entries, each a two-word phrase
    whose first word occurs in the prose and whose second never does."""
    padding = [f"{words[i % len(words)]} {words[(i * 7) % len(words)]}zq{i}" for i in range(terms)]

    def pad(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {name: pad(item, name) for name, item in value.items()}
        if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
            # Not term lists: file names, fields, and RFC 2119 keywords in capitals.
            if key in ("binding_files", "required_for", "placeholders", "optional_keywords"):
                return value
            return value + padding[: max(0, terms - len(value))]
        if isinstance(value, list):
            return [pad(item) for item in value]
        return value

    return PackRules.model_validate(pad(rules.model_dump()))


def timed(document: dict[str, object], runs: int, rules: PackRules) -> float:
    root = EXAMPLE
    numbering = gather_numbering_evidence(root)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        validate_document(document, rules, numbering)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-kb", type=int, default=640)
    parser.add_argument("--hostile-terms", type=int, default=0)
    arguments = parser.parse_args()
    base = json.loads(FIXTURE.read_text(encoding="utf-8"))
    sample = prose()
    rules = load_pack_rules("tenantpilot.spec-candidates", EXAMPLE)
    if arguments.hostile_terms:
        words = sorted({word.lower() for word in sample.split() if word.isalpha()})
        started = time.perf_counter()
        rules = hostile_rules(rules, arguments.hostile_terms, words)
        print(
            f"hostile rules: {arguments.hostile_terms:,} terms per list, loaded in "
            f"{time.perf_counter() - started:.2f} s"
        )
    run_on = sample.replace(".", "").replace(";", "").replace(",", "")
    started = time.perf_counter()
    timed(base, 1, rules)
    print(
        f"first check of the fixture (compiles the term lists, loads the language identifier): "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )
    print(f"{'field':>10}  {'sentences':>12}  {'per KB':>9}  {'run-on':>12}  {'per KB':>9}")
    size = 10
    while size <= arguments.max_kb:
        row = [f"{size:>7} KB"]
        for text in (sample, run_on):
            document = copy.deepcopy(base)
            document["candidates"][0]["target_model"] = (text + " ") * (
                size * 1024 // (len(text) + 1) + 1
            )
            seconds = timed(document, arguments.runs, rules)
            row += [f"{seconds * 1000:>9.0f} ms", f"{seconds * 1000 / size:>6.2f} ms"]
        print("  ".join(row))
        size *= 4


if __name__ == "__main__":
    main()
