"""Startup cost of specrun's commands against bare Python and the provider SDK imports.

Run from the checkout with the project's virtual environment:

    .venv/bin/python benchmarks/startup.py [--runs N]

Each command runs N times (after one warm-up run); the table shows the median wall time and
its ratio to the baselines. The replayed run answers from a cassette, so it measures specrun's
own overhead on top of the SDK imports, not a model. "Anthropic client + vcrpy" is the floor
under that run which specrun does not control: building the SDK's client imports its resources,
and replaying imports vcrpy. "import typer, pydantic" is the floor under the commands that call
no model: ``check`` of a 25 KB answer (``tests/fixtures/answers/mid-3.json``, every rule and
the language identifier) should stay within twice that floor; an agent's Markdown answer
(``md-mid-tables.md``, 28 KB) adds the CommonMark parser. ``import pydantic`` is lazy, so
"typer + pydantic.BaseModel" shows the cost of the first model any command defines, and
"typer command, check's options" the cost typer itself adds when it runs a command: since typer
0.2x it builds a pydantic ``TypeAdapter`` per parameter, importing most of pydantic.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EXAMPLE = str(ROOT / "examples" / "tenantatlas")
PYTHON = sys.executable
# A command with the parameter types of ``specrun check``, doing nothing.
BARE_TYPER_COMMAND = """
from pathlib import Path
from typing import Annotated
import typer
app = typer.Typer()
@app.command()
def check(
    file: Annotated[Path, typer.Argument()],
    repo: Annotated[Path, typer.Option()] = Path(),
    prompt: str = "tenantpilot.spec-candidates",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    judge: bool = False,
    cassette: Annotated[Path | None, typer.Option()] = None,
    strict: bool = False,
) -> None:
    pass
@app.command()
def other() -> None:
    pass
app(["check", "answer.json", "--repo", "."])
"""

COMMANDS: dict[str, list[str]] = {
    "python -c pass": [PYTHON, "-c", "pass"],
    "import openai, anthropic": [PYTHON, "-c", "import openai, anthropic"],
    "import typer, pydantic": [PYTHON, "-c", "import typer, pydantic"],
    "typer + pydantic.BaseModel": [PYTHON, "-c", "import typer; from pydantic import BaseModel"],
    "typer command, check's options": [PYTHON, "-c", BARE_TYPER_COMMAND],
    "Anthropic client + vcrpy": [
        PYTHON,
        "-c",
        "import anthropic, vcr; anthropic.Anthropic(api_key='benchmark').messages",
    ],
    "specrun --help": [str(BIN / "specrun"), "--help"],
    "specrun context": [str(BIN / "specrun"), "context", "--repo", EXAMPLE],
    "specrun check (25 KB answer)": [
        str(BIN / "specrun"),
        "check",
        str(ROOT / "tests" / "fixtures" / "answers" / "mid-3.json"),
        "--repo",
        EXAMPLE,
    ],
    "specrun check (agent's Markdown)": [
        str(BIN / "specrun"),
        "check",
        str(ROOT / "tests" / "fixtures" / "answers" / "md-mid-tables.md"),
        "--repo",
        EXAMPLE,
    ],
    "specrun run (replayed, 1 attempt)": [
        str(BIN / "specrun"),
        "run",
        "--repo",
        EXAMPLE,
        "--cassette",
        str(ROOT / "cassettes" / "anthropic-single.yaml"),
        "--format",
        "json",
    ],
}


def median_seconds(command: list[str], runs: int, environ: dict[str, str]) -> float:
    subprocess.run(command, check=True, capture_output=True, env=environ)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=environ)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as runs_directory:  # the replayed runs' records
        environ = {**os.environ, "SPECRUN_RUNS_DIR": runs_directory}
        medians = {
            name: median_seconds(command, runs, environ) for name, command in COMMANDS.items()
        }
    sdk = medians["import openai, anthropic"]
    floor = medians["Anthropic client + vcrpy"]
    typer = medians["import typer, pydantic"]
    print(f"median of {runs} runs on {sys.platform}, Python {sys.version.split()[0]}")
    print(f"{'command':36} {'median s':>9} {'x SDKs':>7} {'x floor':>8} {'x typer+pydantic':>17}")
    for name, seconds in medians.items():
        print(
            f"{name:36} {seconds:9.3f} {seconds / sdk:7.2f} {seconds / floor:8.2f} "
            f"{seconds / typer:17.2f}"
        )


if __name__ == "__main__":
    main()
