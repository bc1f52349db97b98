"""What oversized inputs cost now that every read is bounded.

Run from the checkout with the project's virtual environment:

    .venv/bin/python benchmarks/oversized_inputs.py [--megabytes N]

Three cases, each N MB (100 by default): ``specrun check`` of a result file, ``specrun context``
with one binding file that large (sparse, so it costs no disk), and three attempts of the re-ask
loop each answered that large. Each should be refused in well under a second, reading no more
than its cap.

Then two decompression bombs of ``--bomb-megabytes`` (500 by default), each about 0.1% of that
compressed: a loopback server answering ``specrun run`` with the gzip body, and the same body
replayed from a cassette. Each run's wall time and peak memory (the child's maxrss) are printed;
the body is decoded only up to the body cap, so both stay small whatever the bomb's size.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import yaml  # noqa: E402
from support import EXAMPLE, load_fixture  # noqa: E402
from wire import Reply, scripted_server  # noqa: E402

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


def measured(command: list[str], environ: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak memory in MB, and the last stderr line of ``command``."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environ, text=True
    )
    assert child.stderr is not None
    said = child.stderr.read()
    _, _, usage = os.wait4(child.pid, 0)
    child.returncode = 0
    took = time.perf_counter() - started
    return took, usage.ru_maxrss / 1024, (said.strip().splitlines() or [""])[-1][:140]


def gzip_bomb(megabytes: int) -> bytes:
    """A gzip body of about ``megabytes`` MB of JSON once inflated."""
    engine = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [engine.compress(b'{"content": [{"type": "text", "text": "')]
    block = b"a" * 1_000_000
    parts += [engine.compress(block) for _ in range(megabytes)]
    parts.append(engine.compress(b'"}]}') + engine.flush())
    return b"".join(parts)


def bombs(folder: Path, megabytes: int) -> None:
    body = gzip_bomb(megabytes)
    environ = {**os.environ, "SPECRUN_RUNS_DIR": str(folder / "runs")}
    run = [SPECRUN, "run", "--repo", str(EXAMPLE), "--max-attempts", "1"]
    reply = Reply(200, {}, {"content-encoding": "gzip"}, payload=body)
    with scripted_server([reply]) as server:
        config = folder / "bomb.toml"
        config.write_text(
            'provider = "bomb"\njudge = false\n[providers.bomb]\nkind = "anthropic"\n'
            f'model = "m"\nbase_url = "{server.url}"\n'
        )
        took, peak, said = measured([*run, "--config", str(config)], environ)
    print(
        f"run, live {len(body) / 1000:,.0f} KB gzip body of {megabytes} MB: {took:.2f}s, "
        f"peak {peak:,.0f} MB  {said}"
    )
    records = sum(path.stat().st_size for path in (folder / "runs").glob("*.json"))
    print(f"  run record: {records / 1_000_000:.1f} MB")

    shipped = ROOT / "cassettes" / "anthropic-single.yaml"
    data = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    response = data["interactions"][0]["response"]
    response["headers"] = {"content-type": ["application/json"], "content-encoding": ["gzip"]}
    response["body"]["string"] = body
    cassette = folder / "bomb.yaml"
    cassette.write_text(yaml.safe_dump(data), encoding="utf-8")
    took, peak, said = measured([*run, "--cassette", str(cassette)], environ)
    size = cassette.stat().st_size / 1000
    print(
        f"run, {size:,.0f} KB cassette of the same body: {took:.2f}s, peak {peak:,.0f} MB  {said}"
    )


class LargeAnswers:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer

    def complete(self, request: Request) -> Answer:
        return self.answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--bomb-megabytes", type=int, default=500)
    arguments = parser.parse_args()
    megabytes = arguments.megabytes
    folder = Path(tempfile.mkdtemp())
    try:
        bombs(folder, arguments.bomb_megabytes)
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
