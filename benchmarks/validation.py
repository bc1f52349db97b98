"""Validation time against the length of an answer: it must grow linearly.

One field of the valid fixture (Candidate A's target model) is filled with genuine prose from
the corpus, repeated to each size, once as ordinary sentences and once as a single run-on clause
with no sentence breaks (the worst case for clause and negation scanning). Each size is
validated N times; the table shows the median and the time per KB, which stays flat when the
work is linear. Run from the checkout:

    .venv/bin/python benchmarks/validation.py [--runs N] [--max-kb KB]
"""

import argparse
import copy
import json
import statistics
import time
from pathlib import Path

from specrun.context.numbering import gather_numbering_evidence
from specrun.context.prompt_pack import load_prompt_pack
from specrun.rules import validate_document

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tenantatlas"
FIXTURE = ROOT / "tests" / "fixtures" / "valid-result.json"
SOURCE = ROOT / "tests" / "fixtures" / "answers" / "strong-1.json"


def prose() -> str:
    candidate = json.loads(SOURCE.read_text(encoding="utf-8"))["candidates"][0]
    return " ".join([candidate["problem_statement"], candidate["target_model"]])


def timed(document: dict[str, object], runs: int) -> float:
    root = EXAMPLE
    rules = load_prompt_pack("tenantpilot.spec-candidates", root).rules
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
    arguments = parser.parse_args()
    base = json.loads(FIXTURE.read_text(encoding="utf-8"))
    sample = prose()
    run_on = sample.replace(".", "").replace(";", "").replace(",", "")
    print(f"{'field':>10}  {'sentences':>12}  {'per KB':>9}  {'run-on':>12}  {'per KB':>9}")
    size = 10
    while size <= arguments.max_kb:
        row = [f"{size:>7} KB"]
        for text in (sample, run_on):
            document = copy.deepcopy(base)
            document["candidates"][0]["target_model"] = (text + " ") * (
                size * 1024 // (len(text) + 1) + 1
            )
            seconds = timed(document, arguments.runs)
            row += [f"{seconds * 1000:>9.0f} ms", f"{seconds * 1000 / size:>6.2f} ms"]
        print("  ".join(row))
        size *= 4


if __name__ == "__main__":
    main()
