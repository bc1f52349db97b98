"""How closely the rules agree with a blind reviewer: precision and recall per rule code.

Every answer of the corpus (``tests/fixtures/answers/*.json`` by default) is checked offline,
with no judge, against ``examples/tenantatlas``; its findings are compared with the reviewer's
``labels.json``. A finding and a label agree when they have the same code and the same unit: a
candidate letter, or the closing sections. Each (answer, code, unit) counts once however many
fields it covers, since a re-ask fixes a unit, not a field.

Two figures per rule: violations only (what fails a result and triggers a re-ask), and
violations plus needs-review items (what reaches a reviewer or the judge). Then the items left
for review per answer (each one is a judge item, and an answer with none needs no judge call), for
strong answers (no reviewer breach) and mid answers (some) apart. Precision is the
share of flagged units the reviewer confirms; recall is the share of the reviewer's breaches
that are flagged. Run from the checkout:

    .venv/bin/python scripts/fidelity.py [CORPUS_DIR ...]
"""

import argparse
import json
from pathlib import Path

from specrun.context.assembly import resolve_repository
from specrun.context.numbering import gather_numbering_evidence
from specrun.context.prompt_pack import load_prompt_pack
from specrun.rules import validate_document

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT / "tests" / "fixtures" / "answers"
EXAMPLE = ROOT / "examples" / "tenantatlas"
ALL_UNITS = ("A", "B", "C", "D", "closing")

Unit = tuple[str, str, str]  # answer, code, unit


def label_units(where: str) -> tuple[str, ...]:
    """The units a reviewer's ``where`` names: 'C.summary', 'A/B/C/D.x', 'closing.x', ..."""
    head = where.split(".")[0].strip()
    if head.startswith("closing"):
        return ("closing",)
    letters = tuple(part for part in head.split("/") if part in ALL_UNITS)
    return letters or ALL_UNITS


def finding_unit(location: str) -> str:
    if location.startswith("Candidate "):
        return location.split()[1]
    return "closing"


def reviewer_breaches(corpus: Path) -> dict[str, set[Unit]]:
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    breaches: dict[str, set[Unit]] = {}
    for answer, verdicts in labels.items():
        breaches[answer] = {
            (answer, breach["code"], unit)
            for breach in verdicts["breaches"]
            for unit in label_units(breach["where"])
        }
    return breaches


def flagged_units(
    corpus: Path, answers: list[str], items: dict[str, int]
) -> tuple[set[Unit], set[Unit]]:
    root = resolve_repository(EXAMPLE)
    rules = load_prompt_pack("tenantpilot.spec-candidates", root).rules
    numbering = gather_numbering_evidence(root)
    violations: set[Unit] = set()
    reviews: set[Unit] = set()
    for answer in answers:
        data = json.loads((corpus / f"{answer}.json").read_text(encoding="utf-8"))
        _, findings = validate_document(data, rules, numbering)
        violations |= {(answer, v.code, finding_unit(v.location)) for v in findings.violations}
        reviews |= {(answer, r.code, finding_unit(r.location)) for r in findings.needs_review}
        items[answer] = len(findings.needs_review)
    return violations, reviews


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
    items: dict[str, int] = {}
    strong: list[str] = []
    for corpus in arguments.corpus:
        breaches = reviewer_breaches(corpus)
        answers = sorted(a for a in breaches if (corpus / f"{a}.json").is_file())
        count += len(answers)
        truth |= {unit for answer in answers for unit in breaches[answer]}
        strong += [answer for answer in answers if not breaches[answer]]
        said, unsure = flagged_units(corpus, answers, items)
        violations |= said
        reviews |= unsure
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


if __name__ == "__main__":
    main()
