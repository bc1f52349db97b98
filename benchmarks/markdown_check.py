"""What reading Markdown costs ``check``: a ~60 KB answer as Markdown against the same as JSON.

The answer is a corpus JSON answer (``strong-1.json``) whose prose items are lengthened with the
other candidates' problem statements until its Markdown rendering is about 60 KB; the Markdown is
``specrun render`` of it, so both carry the same text and get the same verdict. Each file is
checked N times the way ``specrun check FILE`` does it in-process (read within the bound, tell
JSON from Markdown, run every rule); the table shows the fastest and median times and their
difference, which the Markdown reader must keep within 50 ms. The rules' own time varies by
more than that on a busy machine, so reading alone is timed too. An agent's own answer
(``md-strong-1.md``, statements judged over each candidate's whole text) is timed as well.
Run from the checkout:

    .venv/bin/python benchmarks/markdown_check.py [--runs N] [--kb KB]
"""

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from specrun.context.numbering import gather_numbering_evidence
from specrun.context.prompt_pack import load_prompt_pack
from specrun.document.model import SpecCandidates
from specrun.document.render import render_markdown
from specrun.document.source import read_answer_file
from specrun.gates.limits import Limits
from specrun.rules import check_answer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tenantatlas"
ANSWERS = ROOT / "tests" / "fixtures" / "answers"
SOURCE = ANSWERS / "strong-1.json"
AGENT = ANSWERS / "md-strong-1.md"


def lengthened(kb: int) -> dict[str, Any]:
    """The source answer with each candidate's target model grown by the others' problems."""
    data: dict[str, Any] = json.loads(SOURCE.read_text(encoding="utf-8"))
    candidates = data["candidates"]
    problems = [candidate["problem_statement"] for candidate in candidates]
    index = 0
    while len(render_markdown(SpecCandidates.model_validate(data)).encode()) < kb * 1000:
        candidate = candidates[index % len(candidates)]
        candidate["target_model"] += " " + problems[(index + 1) % len(problems)]
        index += 1
    return data


def timed(paths: list[Path], runs: int) -> list[tuple[float, float, int, int]]:
    """Per path: the fastest and the median time of ``runs`` checks, with the finding counts.
    The paths take turns, so a busy machine slows them alike."""
    rules = load_prompt_pack("tenantpilot.spec-candidates", EXAMPLE).rules
    numbering = gather_numbering_evidence(EXAMPLE)
    times: list[list[float]] = [[] for _ in paths]
    counts = [(0, 0) for _ in paths]
    for _ in range(runs):
        for index, path in enumerate(paths):
            started = time.perf_counter()
            answer = read_answer_file(path, Limits())
            _, findings = check_answer(answer, rules, numbering)
            times[index].append(time.perf_counter() - started)
            counts[index] = (len(findings.violations), len(findings.needs_review))
    return [
        (min(spent), statistics.median(spent), *count)
        for spent, count in zip(times, counts, strict=True)
    ]


def _read_time(path: Path) -> float:
    """Reading alone: the file within its bound, into the data the rules get."""
    started = time.perf_counter()
    read_answer_file(path, Limits())
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--kb", type=int, default=60)
    arguments = parser.parse_args()
    data = lengthened(arguments.kb)
    with tempfile.TemporaryDirectory() as scratch:
        as_json = Path(scratch) / "answer.json"
        as_json.write_text(json.dumps(data, indent=2), encoding="utf-8")
        as_markdown = Path(scratch) / "answer.md"
        as_markdown.write_text(
            render_markdown(SpecCandidates.model_validate(data)), encoding="utf-8"
        )
        print(f"{'answer':>16} {'bytes':>8} {'fastest':>10} {'median':>10} {'violations':>10}")
        named = {"json": as_json, "markdown": as_markdown, "agent markdown": AGENT}
        results = dict(zip(named, timed(list(named.values()), arguments.runs), strict=True))
        for name, (fastest, median, violations, _) in results.items():
            size = named[name].stat().st_size
            print(
                f"{name:>16} {size:>8,} {fastest * 1000:>7.1f} ms {median * 1000:>7.1f} ms "
                f"{violations:>10}"
            )
        reading = {
            name: min(_read_time(named[name]) for _ in range(arguments.runs))
            for name in ("json", "markdown")
        }
    print(
        f"reading alone (fastest): json {reading['json'] * 1000:.1f} ms, "
        f"markdown {reading['markdown'] * 1000:.1f} ms"
    )
    for figure, at in (("fastest", 0), ("median", 1)):
        extra = (results["markdown"][at] - results["json"][at]) * 1000
        print(f"{figure}: as Markdown the answer costs {extra:+.1f} ms over JSON (goal: ≤ +50 ms)")


if __name__ == "__main__":
    main()
