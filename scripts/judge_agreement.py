"""How often the judge agrees with a blind reviewer, measured through ``specrun check --judge``.

For every labelled answer of the corpus (``tests/fixtures/answers/``) that has a verdict file
(``VERDICTS/<answer>.json``: the judge model's answer to specrun's judge request, a
``JudgeVerdicts`` object ``{"verdicts": [...]}``, exactly as the model wrote it), the real
command ``specrun check ANSWER --repo examples/tenantatlas --judge --json`` runs in a fresh
process against the scripted loopback server of ``tests/wire.py``, which answers the judge's
request with that file in the Anthropic wire format. Nothing is sent anywhere else.

Per item the judge was asked about (what the rules left for review), the reviewer's verdict is
"broken" when ``labels.json`` lists a breach of that rule at that unit (a candidate, or the
closing sections: the unit ``scripts/fidelity.py`` counts), else "holds". The judge's verdict is
what specrun made of it: the item became a violation (broken), dropped out (holds), or stayed
for review because specrun discarded the verdict (its quote is not in the answer) or none came.
Printed: items asked, verdicts accepted, agreement of the accepted verdicts with the reviewer
(per item, and per rule and unit: the judge calls a unit broken when it calls any of its items
broken, which is how ``scripts/fidelity.py`` counts and what a re-ask fixes; a reviewer's breach
names the unit, not which item of it), and verdicts discarded.

A verdict answers one request: its item ids are that request's. Beside a verdict file,
``<answer>.asked.json`` keeps the items that request listed (as sent); when the rules have
changed since, each verdict is matched to today's item by rule, location and doubt, and a
verdict whose item is no longer asked is left out and counted.

``--capture DIR`` writes instead the exact judge request specrun sends for each answer (the HTTP
body the loopback server received) to ``DIR/<answer>.json``, and the items it lists to
``DIR/<answer>.asked.json``: what a model standing in as the judge is given. Run from the
checkout:

    .venv/bin/python scripts/judge_agreement.py --verdicts tests/fixtures/judge/verdicts
    .venv/bin/python scripts/judge_agreement.py --capture /tmp/judge-requests [ANSWER ...]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from fidelity import finding_unit, label_units  # noqa: E402
from wire import Reply, SeenRequest, anthropic_json_answer, scripted_server  # noqa: E402

from specrun.context.assembly import resolve_repository  # noqa: E402
from specrun.context.numbering import gather_numbering_evidence  # noqa: E402
from specrun.context.prompt_pack import load_pack_rules  # noqa: E402
from specrun.rules import ReviewItem, validate_document  # noqa: E402
from specrun.rules.judge import items_to_ask  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "answers"
EXAMPLE = ROOT / "examples" / "tenantatlas"
KEY_VARIABLE = "SPECRUN_LOOPBACK_JUDGE"
NO_VERDICTS: dict[str, list[object]] = {"verdicts": []}


@dataclass(frozen=True)
class Outcome:
    """One answer's items and what became of them."""

    answer: str
    asked: int
    agreed: int
    disagreed: list[str]
    unreviewed: int
    discarded: int
    no_longer_asked: int = 0
    units: tuple[int, int] = (0, 0)  # units judged alike, units judged
    unit_disagreed: tuple[str, ...] = ()


def items_for(answer: str) -> dict[str, ReviewItem]:
    """The items ``check --judge`` asks about for the answer, by the ids it gives them."""
    root = resolve_repository(EXAMPLE)
    rules = load_pack_rules("tenantpilot.spec-candidates", root)
    data = json.loads((CORPUS / f"{answer}.json").read_text(encoding="utf-8"))
    _, findings = validate_document(data, rules, gather_numbering_evidence(root))
    return items_to_ask(findings, rules.rubrics)


def reviewer_says_broken(labels: dict[str, Any], item: ReviewItem) -> bool:
    unit = finding_unit(item.location)
    return any(
        breach["code"] == item.code and unit in label_units(breach["where"])
        for breach in labels["breaches"]
    )


def check_judged(
    answer: str, reply: Callable[[SeenRequest], Reply], home: Path
) -> tuple[dict[str, Any], str, list[SeenRequest]]:
    """``specrun check --judge --json`` on the answer, its judge answered by ``reply``."""
    with scripted_server([], judge=reply) as server:
        config = home / "config" / "specrun" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            'provider = "loop"\n\n[retries]\nmax_retries = 0\n\n'
            '[providers.loop]\nkind = "anthropic"\nmodel = "stand-in-judge"\n'
            f'base_url = "{server.url}"\napi_key_env = "{KEY_VARIABLE}"\n',
            encoding="utf-8",
        )
        environ = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "SPECRUN_RUNS_DIR": str(home / "runs"),
            KEY_VARIABLE: "loopback",
        }
        command = [sys.executable, "-m", "specrun", "check", str(CORPUS / f"{answer}.json")]
        completed = subprocess.run(
            [*command, "--repo", str(EXAMPLE), "--judge", "--json"],
            capture_output=True,
            text=True,
            env=environ,
            cwd=home,
            check=False,
            timeout=300,
        )
        seen = list(server.requests)
    if completed.returncode not in (0, 1):
        raise SystemExit(
            f"{answer}: check --judge exited {completed.returncode}: {completed.stderr.strip()}"
        )
    report: dict[str, Any] = json.loads(completed.stdout)
    return report, completed.stderr, seen


def _replying(verdicts: object) -> Callable[[SeenRequest], Reply]:
    return lambda request: anthropic_json_answer(verdicts)


def _key(rule: str, location: str, doubt: str) -> tuple[str, str, str]:
    return rule, location, doubt


def matched(
    verdicts: dict[str, Any], listed: list[dict[str, Any]] | None, asked: dict[str, ReviewItem]
) -> tuple[dict[str, Any], int]:
    """The verdicts with the ids of today's items, and how many answer items no longer asked."""
    if listed is None:
        return verdicts, 0
    today = {_key(item.code, item.location, item.message): ident for ident, item in asked.items()}
    then = {
        entry["id"]: _key(entry["rule"], entry["location"], entry["in_doubt"]) for entry in listed
    }
    kept, gone = [], 0
    for verdict in verdicts.get("verdicts", []):
        ident = today.get(then.get(verdict.get("item"), ("", "", "")))
        if ident is None:
            gone += 1
        else:
            kept.append({**verdict, "item": ident})
    return {"verdicts": kept}, gone


def measure(
    answer: str,
    verdicts: dict[str, Any],
    listed: list[dict[str, Any]] | None,
    labels: dict[str, Any],
    home: Path,
) -> Outcome:
    asked = items_for(answer)
    verdicts, gone = matched(verdicts, listed, asked)
    report, stderr, _ = check_judged(answer, _replying(verdicts), home)
    broken = [(v["code"], v["location"], v["message"]) for v in report["violations"]]
    left = [(v["code"], v["location"], v["message"]) for v in report["needs_review"]]
    agreed, disagreed, unreviewed = 0, [], 0
    units: dict[tuple[str, str], list[bool]] = {}
    reviewer: dict[tuple[str, str], bool] = {}
    for ident, item in asked.items():
        key = (item.code, item.location, item.message)
        if key in left:
            unreviewed += 1
            continue
        judged_broken = any(
            (code, location) == key[:2] and message.startswith(item.message)
            for code, location, message in broken
        )
        unit = (item.code, finding_unit(item.location))
        units.setdefault(unit, []).append(judged_broken)
        reviewer[unit] = reviewer_says_broken(labels, item)
        if judged_broken == reviewer[unit]:
            agreed += 1
        else:
            verdict = "broken" if judged_broken else "holds"
            disagreed.append(f"{answer} {ident} {item.code} {item.location}: judge {verdict}")
    discarded = sum(": verdict discarded, " in line for line in stderr.splitlines())
    unlike = tuple(
        f"{answer} {code} {place} (the unit): judge {'broken' if any(judged) else 'holds'}"
        for (code, place), judged in units.items()
        if any(judged) != reviewer[code, place]
    )
    alike = (len(units) - len(unlike), len(units))
    return Outcome(
        answer, len(asked), agreed, disagreed, unreviewed, discarded, gone, alike, unlike
    )


def asked_in(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The items a captured judge request lists, as sent."""
    content = body["messages"][-1]["content"]
    text = content if isinstance(content, str) else content[0]["text"]
    listed: list[dict[str, Any]] = json.loads(
        text.rsplit("as JSON:\n", 1)[1].split("\n\nGive one verdict", 1)[0]
    )
    return listed


def capture(answers: list[str], folder: Path, home: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for answer in answers:
        if not items_for(answer):
            print(f"{answer}: nothing is left for review, so no judge request is sent")
            continue
        _, _, seen = check_judged(answer, _replying(NO_VERDICTS), home)
        [request] = seen
        path = folder / f"{answer}.json"
        path.write_text(json.dumps(request.body, indent=2, ensure_ascii=False) + "\n", "utf-8")
        listed = json.dumps(asked_in(request.body), indent=2, ensure_ascii=False)
        (folder / f"{answer}.asked.json").write_text(listed + "\n", "utf-8")
        print(f"{answer}: {len(items_for(answer))} item(s); request written to {path}")


def report(outcomes: list[Outcome]) -> None:
    asked = sum(outcome.asked for outcome in outcomes)
    unreviewed = sum(outcome.unreviewed for outcome in outcomes)
    accepted = asked - unreviewed
    agreed = sum(outcome.agreed for outcome in outcomes)
    discarded = sum(outcome.discarded for outcome in outcomes)
    gone = sum(outcome.no_longer_asked for outcome in outcomes)
    for outcome in outcomes:
        print(
            f"  {outcome.answer}: {outcome.asked} item(s), {outcome.agreed} agreed, "
            f"{len(outcome.disagreed)} disagreed, {outcome.unreviewed} left unreviewed "
            f"({outcome.discarded} verdict(s) discarded)"
        )
    share = f"{agreed / accepted:.1%}" if accepted else "–"
    alike = sum(outcome.units[0] for outcome in outcomes)
    judged = sum(outcome.units[1] for outcome in outcomes)
    per_unit = f"{alike / judged:.1%}" if judged else "–"
    print(
        f"{len(outcomes)} answers, {asked} items asked, {accepted} verdicts accepted, "
        f"agreement with the reviewer {agreed}/{accepted} = {share} per item, "
        f"{alike}/{judged} = {per_unit} per rule and unit, "
        f"{discarded} verdicts discarded, {unreviewed} items left unreviewed"
        + (f", {gone} verdicts left out (their item is no longer asked)" if gone else "")
    )
    for outcome in outcomes:
        for line in (*outcome.disagreed, *outcome.unit_disagreed):
            print(f"disagreed: {line}")


def verdict_files(folder: Path, answer: str) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    verdicts: dict[str, Any] = json.loads((folder / f"{answer}.json").read_text("utf-8"))
    listed_path = folder / f"{answer}.asked.json"
    listed = json.loads(listed_path.read_text("utf-8")) if listed_path.is_file() else None
    return verdicts, listed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answers", nargs="*", help="answers of the corpus (default: all)")
    parser.add_argument("--verdicts", type=Path, help="folder of <answer>.json verdict files")
    parser.add_argument("--capture", type=Path, help="write the judge requests to this folder")
    arguments = parser.parse_args()
    labels: dict[str, dict[str, Any]] = json.loads(
        (CORPUS / "labels.json").read_text(encoding="utf-8")
    )
    answers = arguments.answers or sorted(a for a in labels if (CORPUS / f"{a}.json").is_file())
    with tempfile.TemporaryDirectory(prefix="judge-agreement-") as scratch:
        home = Path(scratch)
        if arguments.capture is not None:
            capture(answers, arguments.capture, home)
            return
        if arguments.verdicts is None:
            parser.error("give --verdicts FOLDER or --capture FOLDER")
        outcomes = [
            measure(answer, *verdict_files(arguments.verdicts, answer), labels[answer], home)
            for answer in answers
            if (arguments.verdicts / f"{answer}.json").is_file()
        ]
    if not outcomes:
        raise SystemExit(f"no verdict file in {arguments.verdicts} for these answers")
    report(outcomes)


if __name__ == "__main__":
    main()
