"""From raw answer to verdict: reading any response model, and ``run`` and ``check`` judging
the same JSON the same way."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fakes import ScriptedProvider
from pydantic import BaseModel, ConfigDict
from support import EXAMPLE, Invoke

import specrun.run.runner
from specrun.context.numbering import NumberingEvidence
from specrun.context.prompt_pack import PackRules
from specrun.providers import UNREADABLE, Answer
from specrun.rules.answers import judge_answer, read_answer


class Verdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    holds: bool


class Verdicts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdicts: list[Verdict]


def test_a_fitting_answer_is_read_as_the_model() -> None:
    raw = '{"verdicts": [{"code": "SC301", "holds": true}]}'
    document, violations = read_answer(Answer(raw), Verdicts)
    assert document == Verdicts(verdicts=[Verdict(code="SC301", holds=True)])
    assert violations == ()


def test_schema_breaches_of_any_model_are_located_by_path() -> None:
    raw = '{"verdicts": [{"code": "SC301"}, {"code": 7, "holds": true}], "extra": 1}'
    document, violations = read_answer(Answer(raw), Verdicts)
    assert document is None
    assert [(v.code, v.location, v.message) for v in violations] == [
        ("SC104", "verdicts[0].holds", "The item is missing."),
        ("SC104", "verdicts[1].code", "The item is malformed: Input should be a valid string."),
        ("SC104", "extra", "The field is not part of the result schema."),
    ]
    assert [v.evidence for v in violations] == ["", "7", "1"]


@pytest.mark.parametrize(
    ("answer", "location", "message", "evidence"),
    [
        (
            Answer('{"verdicts": [}', stop_reason="end_turn"),
            "answer, line 1, column 15",
            "The answer is not valid JSON: Expecting value.",
            '{"verdicts": [}',
        ),
        (Answer("  ", stop_reason="stop"), "answer", "The answer is empty.", ""),
        (
            Answer('{"verdicts": [{"co', stop_reason="max_tokens"),
            "answer",
            "The answer was cut off at the output limit before the JSON was complete "
            "(stop reason max_tokens).",
            '{"verdicts": [{"co',
        ),
        (
            Answer('{"verdicts": [', stop_reason="length"),
            "answer",
            "The answer was cut off at the output limit before the JSON was complete "
            "(stop reason length).",
            '{"verdicts": [',
        ),
        (
            Answer("I cannot help with that.", stop_reason="refusal"),
            "answer",
            "The model declined to answer (stop reason refusal).",
            "I cannot help with that.",
        ),
        (
            Answer('{"id": "c", "choices": []}', stop_reason=UNREADABLE),
            "answer",
            "The provider's response held no answer where its API puts one.",
            '{"id": "c", "choices": []}',
        ),
    ],
    ids=["not-json", "empty", "cut-off", "cut-off-openai", "declined", "unreadable-response"],
)
def test_an_unreadable_answer_is_one_located_violation(
    answer: Answer, location: str, message: str, evidence: str
) -> None:
    document, violations = read_answer(answer, Verdicts)
    assert document is None
    [violation] = violations
    assert (violation.code, violation.location, violation.message) == ("SC104", location, message)
    assert violation.evidence == evidence


@pytest.mark.parametrize(
    "raw",
    ["[" * 100_000 + "]" * 100_000, '{"verdicts": ' + "9" * 5_000 + "}"],
    ids=["deep", "long"],
)
def test_an_answer_too_deep_or_too_long_to_decode_is_a_violation_not_a_crash(raw: str) -> None:
    document, [violation] = read_answer(Answer(raw), Verdicts)
    assert document is None
    assert violation.message == "The answer nests too deeply or holds a number too long to read."
    assert len(violation.evidence) <= 80


def test_evidence_never_holds_a_lone_surrogate() -> None:
    _, [violation] = read_answer(Answer('{"verdicts": "\ud800 x"'), Verdicts)
    assert "\ud800" not in violation.evidence
    _, [breach] = read_answer(Answer('{"verdicts": ["\ud800"]}'), Verdicts)
    assert breach.evidence == "\ufffd"


def test_a_complete_answer_counts_whatever_the_stop_reason() -> None:
    raw = '{"verdicts": []}'
    assert read_answer(Answer(raw, stop_reason="max_tokens"), Verdicts)[0] == Verdicts(verdicts=[])


def test_the_evidence_of_a_broken_answer_is_bounded() -> None:
    raw = '{"verdicts": [' + "x" * 100_000 + "]}"
    [violation] = read_answer(Answer(raw), Verdicts)[1]
    assert len(violation.evidence) <= 80


def test_schema_breaches_of_the_result_are_located_as_the_rules_locate(
    valid_document: dict[str, Any], rules: PackRules, uncertain: NumberingEvidence
) -> None:
    broken = copy.deepcopy(valid_document)
    del broken["candidates"][3]["slug"]
    broken["numbering_strategy"] = 4
    document, findings = judge_answer(Answer(json.dumps(broken)), rules, uncertain)
    assert document is None
    assert [(v.code, v.location) for v in findings.violations] == [
        ("SC104", "Candidate D > slug"),
        ("SC104", "closing sections > numbering_strategy"),
    ]


def run_then_check(
    raw: str, invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runs: Path
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The violations ``run`` recorded for the answer ``raw``, and ``check``'s for that text."""

    def scripted(*args: Any) -> ScriptedProvider:
        return ScriptedProvider(raw)

    monkeypatch.setattr(specrun.run.runner, "build_provider", scripted)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "kv-same-verdict")
    ran = invoke("run", "--repo", EXAMPLE, "--max-attempts", "1")
    assert ran.exit_code == 1
    [record] = runs.glob("*.json")
    recorded = json.loads(record.read_text())["attempts"][0]["violations"]
    result = tmp_path / "answer.json"
    result.write_text(raw, encoding="utf-8")
    checked = invoke("check", result, "--repo", EXAMPLE, "--json")
    assert checked.exit_code == 1
    reported: list[dict[str, str]] = json.loads(checked.stdout)["violations"]
    return recorded, reported


@pytest.mark.parametrize(("breach", "codes"), [("schema", {"SC104"}), ("rules", {"SC302"})])
def test_run_and_check_judge_the_same_json_identically(
    breach: str,
    codes: set[str],
    valid_document: dict[str, Any],
    invoke: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    isolated_environment: Path,
) -> None:
    broken = copy.deepcopy(valid_document)
    if breach == "schema":
        del broken["candidates"][1]["slug"]
        broken["candidates"][2]["goals"] = "one goal"
    else:
        broken["candidates"][0]["explicit_statements"]["livewire_public_state_untrusted"] = None
    recorded, reported = run_then_check(
        json.dumps(broken), invoke, tmp_path, monkeypatch, isolated_environment
    )
    assert recorded == reported
    assert {violation["code"] for violation in recorded} == codes


@pytest.mark.parametrize(
    "raw",
    [
        '{"verdicts": [], "verdicts": [{"code": "SC301", "holds": true}]}',
        '{"verdicts": [{"code": "SC301", "holds": false, "holds": true}]}',
    ],
    ids=["top-level", "nested"],
)
def test_a_key_given_twice_is_an_ambiguous_answer_not_the_last_value(raw: str) -> None:
    document, [violation] = read_answer(Answer(raw), Verdicts)
    assert document is None
    assert violation.code == "SC104"
    assert "appears twice in one object" in violation.message
