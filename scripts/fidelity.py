"""How closely the rules agree with a blind reviewer: precision and recall per rule code.

Every answer of the corpus (``tests/fixtures/answers/*.json`` and the agents' ``*.md`` by
default) is checked offline, with no judge, against ``examples/tenantatlas``, exactly as
``specrun check`` reads it; its findings are compared with the reviewer's ``labels.json``. A
finding and a label agree when they have the same code and the same unit: a candidate letter,
or the closing sections (a finding in a Markdown answer's preamble, the text before its first
candidate, counts for a breach of its code whose quote is written there). Each (answer, code,
unit) counts once however many fields it covers, since a re-ask fixes a unit, not a field.

Two figures per rule: violations only (what fails a result and triggers a re-ask), and
violations plus needs-review items (what reaches a reviewer or the judge). Then the items left
for review per answer (each one is a judge item, and an answer with none needs no judge call), for
strong answers (no reviewer breach) and mid answers (some) apart. Precision is the
share of flagged units the reviewer confirms; recall is the share of the reviewer's breaches
that are flagged. For Markdown answers, the coverage: how many of the 4 x 17 items and the four
closing sections the reader located. Run from the checkout:

    .venv/bin/python scripts/fidelity.py [CORPUS_DIR ...]
"""

import argparse
import json
from pathlib import Path

from specrun.context.assembly import resolve_repository
from specrun.context.numbering import gather_numbering_evidence
from specrun.context.prompt_pack import load_pack_rules
from specrun.document.markdown import MarkdownAnswer
from specrun.document.source import read_answer_file
from specrun.gates.limits import Limits
from specrun.rules import check_answer
from specrun.rules.findings import PREAMBLE

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT / "tests" / "fixtures" / "answers"
EXAMPLE = ROOT / "examples" / "tenantatlas"
ALL_UNITS = ("A", "B", "C", "D", "closing")

Unit = tuple[str, str, str]  # answer, code, unit


def label_units(where: str) -> tuple[str, ...]:
    """The units a reviewer's ``where`` names: 'C.summary', 'A/B/C/D.x', 'closing.x',
    'preamble', ..."""
    head = where.split(".")[0].strip()
    if head.startswith("closing"):
        return ("closing",)
    if head == PREAMBLE:
        return (PREAMBLE,)
    letters = tuple(part for part in head.split("/") if part in ALL_UNITS)
    return letters or ALL_UNITS


def finding_unit(location: str) -> str:
    if location.startswith("Candidate "):
        return location.split()[1]
    return "closing"


def answer_file(corpus: Path, answer: str) -> Path:
    markdown = corpus / f"{answer}.md"
    return markdown if markdown.is_file() else corpus / f"{answer}.json"


def reviewer_labels(corpus: Path) -> dict[str, dict[str, list[dict[str, str]]]]:
    labels: dict[str, dict[str, list[dict[str, str]]]] = json.loads(
        (corpus / "labels.json").read_text(encoding="utf-8")
    )
    return labels


def reviewer_breaches(corpus: Path) -> dict[str, set[Unit]]:
    labels = reviewer_labels(corpus)
    breaches: dict[str, set[Unit]] = {}
    for answer, verdicts in labels.items():
        breaches[answer] = {
            (answer, breach["code"], unit)
            for breach in verdicts["breaches"]
            for unit in label_units(breach["where"])
        }
    return breaches


def preamble_units(answer: str, code: str, preamble: str, corpus: Path) -> set[str]:
    """The units of the reviewer's breaches of ``code`` whose quote the preamble holds."""
    said = " ".join(preamble.split())
    return {
        unit
        for breach in reviewer_labels(corpus).get(answer, {}).get("breaches", [])
        if breach["code"] == code and " ".join(breach["quote"].split()) in said
        for unit in label_units(breach["where"])
    } or {PREAMBLE}


def flagged_units(
    corpus: Path, answers: list[str], items: dict[str, int]
) -> tuple[set[Unit], set[Unit], dict[str, tuple[int, int, int]]]:
    root = resolve_repository(EXAMPLE)
    rules = load_pack_rules("tenantpilot.spec-candidates", root)
    numbering = gather_numbering_evidence(root)
    violations: set[Unit] = set()
    reviews: set[Unit] = set()
    coverage: dict[str, tuple[int, int, int]] = {}
    for answer in answers:
        read = read_answer_file(answer_file(corpus, answer), Limits())
        _, findings = check_answer(read, rules, numbering)
        preamble = read.preamble if isinstance(read, MarkdownAnswer) else ""
        if isinstance(read, MarkdownAnswer):
            coverage[answer] = read.located()
        for found, verdicts in (
            (violations, findings.violations),
            (reviews, findings.needs_review),
        ):
            for verdict in verdicts:
                units = {finding_unit(verdict.location)}
                if verdict.location == PREAMBLE:
                    units = preamble_units(answer, verdict.code, preamble, corpus)
                found |= {(answer, verdict.code, unit) for unit in units}
        items[answer] = len(findings.needs_review)
    return violations, reviews, coverage


def _ratio(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:6.1%}" if whole else "   –          "


def table(breaches: set[Unit], flagged: set[Unit]) -> list[str]:
    codes = sorted({code for _, code, _ in breaches | flagged})
    rows = []
    for code in [*codes, "all"]:
        truth = {unit for unit in breaches if code in ("all", unit[1])}
        said = {unit for unit in flagged if code in ("all", unit[1])}
        hits = len(truth & said)
        precision, recall = _ratio(hits, len(said)), _ratio(hits, len(truth))
        rows.append(f"  {code:6} precision {precision:18} recall {recall}")
    return rows


def items_per_answer(kind: str, answers: list[str], items: dict[str, int]) -> str:
    total = sum(items[answer] for answer in answers)
    share = f"{total / len(answers):.2f}" if answers else "–"
    each = ", ".join(f"{answer} {items[answer]}" for answer in answers)
    return f"  {kind:6} {total} items / {len(answers)} answers = {share} per answer ({each})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path, default=[DEFAULT_CORPUS])
    arguments = parser.parse_args()
    truth: set[Unit] = set()
    violations: set[Unit] = set()
    reviews: set[Unit] = set()
    count = 0
    coverage: dict[str, tuple[int, int, int]] = {}
    items: dict[str, int] = {}
    strong: list[str] = []
    for corpus in arguments.corpus:
        breaches = reviewer_breaches(corpus)
        answers = sorted(a for a in breaches if answer_file(corpus, a).is_file())
        count += len(answers)
        truth |= {unit for answer in answers for unit in breaches[answer]}
        strong += [answer for answer in answers if not breaches[answer]]
        said, unsure, located = flagged_units(corpus, answers, items)
        violations |= said
        reviews |= unsure
        coverage.update(located)
    print(f"{count} answers, {len(truth)} reviewer breaches (answer, code, candidate or closing)")
    print("violations only:")
    print("\n".join(table(truth, violations)))
    print("violations + needs review:")
    print("\n".join(table(truth, violations | reviews)))
    print("items left for review (for the judge):")
    print(items_per_answer("strong", sorted(strong), items))
    print(items_per_answer("mid", sorted(set(items) - set(strong)), items))
    missed = sorted(truth - violations - reviews)
    if missed:
        print("missed: " + ", ".join(f"{a} {c} {u}" for a, c, u in missed))
    false = sorted(violations - truth)
    if false:
        print("false violations: " + ", ".join(f"{a} {c} {u}" for a, c, u in false))
    if coverage:
        print("Markdown answers, located by the reader:")
    for answer, (read_items, of, closing) in sorted(coverage.items()):
        print(f"  {answer:24} items {read_items}/{of}  closing sections {closing}/4")


if __name__ == "__main__":
    main()
