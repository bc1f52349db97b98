"""What oversized inputs cost now that every read is bounded.

Run from the checkout with the project's virtual environment:

    .venv/bin/python benchmarks/oversized_inputs.py [--megabytes N]

Three cases, each N MB (100 by default): ``specrun check`` of a result file, ``specrun context``
with one binding file that large (sparse, so it costs no disk), and three attempts of the re-ask
loop each answered that large. Each should be refused in well under a second, reading no more
than its cap.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support import EXAMPLE, load_fixture  # noqa: E402

from specrun.context.numbering import gather_numbering_evidence  # noqa: E402
from specrun.context.prompt_pack import load_prompt_pack  # noqa: E402
from specrun.providers import Answer, Request  # noqa: E402
from specrun.run.reask import run_attempts  # noqa: E402
from specrun.settings.config import RetryPolicy  # noqa: E402

SPECRUN = str(Path(sys.executable).parent / "specrun")


def seconds(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, completed.stderr.strip().splitlines()[-1]


def large_document(megabytes: int) -> dict[str, object]:
    document = load_fixture("valid-result.json")
    document["numbering_strategy"] = "word " * (megabytes * 200_000)
    return document


class LargeAnswers:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer

    def complete(self, request: Request) -> Answer:
        return self.answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=100)
    megabytes = parser.parse_args().megabytes
    folder = Path(tempfile.mkdtemp())
    try:
        document = large_document(megabytes)
        result = folder / "result.json"
        result.write_text(json.dumps(document))
        took, said = seconds([SPECRUN, "check", str(result), "--repo", str(EXAMPLE)])
        print(f"check, {megabytes} MB result file: {took:.2f}s  {said}")

        repo = folder / "repo"
        shutil.copytree(EXAMPLE, repo)
        with (repo / "specs" / "111-findings-workflow-sla" / "spec.md").open("r+b") as file:
            file.truncate(megabytes * 1_000_000)
        took, said = seconds([SPECRUN, "context", "--repo", str(repo)])
        print(f"context, {megabytes} MB binding file: {took:.2f}s  {said}")

        answer = Answer(json.dumps(document), stop_reason="end_turn")
        rules = load_prompt_pack("tenantpilot.spec-candidates", EXAMPLE).rules
        started = time.perf_counter()
        outcome = run_attempts(
            LargeAnswers(answer),
            "system",
            rules,
            gather_numbering_evidence(EXAMPLE),
            3,
            RetryPolicy(),
        )
        took = time.perf_counter() - started
        print(
            f"re-ask loop, 3 answers of {megabytes} MB: {took:.2f}s  {outcome.best.violations[0]}"
        )
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
