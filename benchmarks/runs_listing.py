"""`specrun runs` over 1,000 realistic run records: it must answer in 0.5 s or less.

Each record is what a three-attempt run leaves: genuine corpus answers (a mid answer twice, then
a strong one) with the violations the rules find in them, usage and cost, written by
``RunRecord`` itself. The listing reads only each record's head; for comparison the table also
times reading every record whole, as a listing without summaries would have to. Times are the
median of N runs: the library call, and the installed command end to end (interpreter start
included). Run from the checkout:

    .venv/bin/python benchmarks/runs_listing.py [--records 1000] [--runs 5]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from specrun.context.assembly import assemble_context
from specrun.context.numbering import gather_numbering_evidence
from specrun.context.prompt_pack import load_prompt_pack
from specrun.providers import Answer, Usage
from specrun.rules import validate_document
from specrun.run.history import list_runs, read_record, record_paths, summarise
from specrun.run.reask import Attempt
from specrun.run.record import RunRecord
from specrun.settings.config import Config, resolve_settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tenantatlas"
ANSWERS = ROOT / "tests" / "fixtures" / "answers"
SEQUENCE = ("mid-1.json", "mid-2.json", "strong-1.json")


def attempts() -> list[Attempt]:
    pack = load_prompt_pack("tenantpilot.spec-candidates", EXAMPLE)
    numbering = gather_numbering_evidence(EXAMPLE)
    made = []
    for number, name in enumerate(SEQUENCE, start=1):
        raw = (ANSWERS / name).read_text(encoding="utf-8")
        document, findings = validate_document(json.loads(raw), pack.rules, numbering)
        usage = Usage(9_800, 14_500, 21_000 if number > 1 else 0, 0 if number > 1 else 21_000)
        answer = Answer(raw, usage, "end_turn")
        made.append(
            Attempt(number, answer, document, findings.violations, 95.0, findings.needs_review)
        )
    return made


def write_records(directory: Path, count: int) -> int:
    context = assemble_context(EXAMPLE, load_prompt_pack("tenantpilot.spec-candidates", EXAMPLE))
    settings = resolve_settings(Config(), "built-in defaults", {})
    made = attempts()
    for index in range(count):
        record = RunRecord(directory, context, settings, EXAMPLE)
        record.path = (
            directory / f"2026{index // 86400 % 12 + 1:02d}01T{index:06d}Z-{index:06x}.json"
        )
        record.attempts = made[: 1 + index % 3]
        record.finish("valid" if index % 3 == 2 else "invalid")
    return sum(path.stat().st_size for path in directory.iterdir())


def median_seconds(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        size = write_records(directory, arguments.records)
        print(f"{arguments.records:,} records, {size / 1e6:,.1f} MB in all")
        listed = list_runs(directory, None, print).runs
        assert len(listed) == arguments.records, len(listed)
        heads = median_seconds(lambda: list_runs(directory, None, print), arguments.runs)
        whole = median_seconds(
            lambda: [summarise(read_record(path)) for path in record_paths(directory)], 1
        )
        command = [
            str(Path(sys.executable).parent / "specrun"),
            "runs",
            "--limit",
            str(arguments.records),
        ]
        environ = {**os.environ, "SPECRUN_RUNS_DIR": folder}

        def cli() -> None:
            subprocess.run(command, env=environ, check=True, capture_output=True)

        end_to_end = median_seconds(cli, arguments.runs)
        print(f"list_runs, heads only:         {heads:.3f} s")
        print(f"every record read whole:       {whole:.3f} s (what a listing without heads costs)")
        print(f"specrun runs --limit {arguments.records} (CLI): {end_to_end:.3f} s")


if __name__ == "__main__":
    main()
