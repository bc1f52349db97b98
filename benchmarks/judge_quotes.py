"""Cost of verifying the judge's quotes against answers of growing length.

Run from the checkout with the project's virtual environment:

    .venv/bin/python benchmarks/judge_quotes.py

Each row times ``apply_verdicts`` for 20 verdicts whose quotes are not in the answer (the worst
case: every text of the candidate is searched), with one field of Candidate D grown to the
given length. The time should grow linearly with the length.
"""

import copy
import json
import time
from pathlib import Path
from typing import Any

from specrun.document.model import SpecCandidates
from specrun.rules import Findings, ReviewItem
from specrun.rules.judge import JudgeVerdict, apply_verdicts

ROOT = Path(__file__).resolve().parents[1]
VERDICTS = 20
SENTENCE = "Livewire state is untrusted input. "


def grown(base: dict[str, Any], characters: int) -> SpecCandidates:
    document = copy.deepcopy(base)
    document["candidates"][3]["problem_statement"] = SENTENCE * (characters // len(SENTENCE))
    return SpecCandidates.model_validate(document)


def main() -> None:
    base = json.loads((ROOT / "tests" / "fixtures" / "valid-result.json").read_text())
    items = tuple(
        ReviewItem("SC401", "Candidate D > boundary_to_existing_specs", f"in doubt {n}", "fix")
        for n in range(VERDICTS)
    )
    asked = {f"R{n + 1}": item for n, item in enumerate(items)}
    verdicts = [
        JudgeVerdict(item=ident, verdict="holds", quote="words that are nowhere in it", reason="")
        for ident in asked
    ]
    print(f"{'answer field':>14}  {'verify ' + str(VERDICTS) + ' quotes':>18}")
    for characters in (10_000, 160_000, 1_600_000):
        document = grown(base, characters)
        started = time.perf_counter()
        apply_verdicts(document, Findings((), items), asked, verdicts)
        print(f"{characters:>14,}  {time.perf_counter() - started:>17.3f}s")


if __name__ == "__main__":
    main()
