"""``specrun check --judge`` through the real SDK, against a scripted judge on loopback."""

import json
import os
from pathlib import Path
from typing import Any

import pytest
from fakes import unsure_boundary
from support import FIXTURES, Invoke
from typer.testing import Result
from wire import (
    JUDGE_TOOL,
    Reply,
    ScriptedServer,
    anthropic_error,
    anthropic_json_answer,
    anthropic_tool_answer,
)
from wire import scripted_server as serving

from specrun import rules as rule_checks
from specrun.context.numbering import gather_numbering_evidence
from specrun.context.prompt_pack import load_prompt_pack
from specrun.document.model import SpecCandidates
from specrun.providers.cassettes import Recording
from specrun.rules import validate_document
from specrun.run.review import judge_result

KEY = "kv-judge-check-51d0"
VALID = FIXTURES / "valid-result.json"
D_QUOTE = "Spec 138 owns the OnboardingDraft identity"
pytestmark = pytest.mark.usefixtures("unsure")


def verdict_document(verdict: str, quote: str = D_QUOTE, item: str = "R1") -> dict[str, Any]:
    return {"verdicts": [{"item": item, "verdict": verdict, "quote": quote, "reason": "So."}]}


def judge_reply(verdict: str, quote: str = D_QUOTE, item: str = "R1") -> Reply:
    return anthropic_json_answer(verdict_document(verdict, quote, item))


def configure(server: ScriptedServer, output: str = "native", extra: str = "") -> None:
    """The loopback judge, in the user's own config (where endpoints may be set); ``extra``
    goes before the tables (``max_cost``) or after them (``[prices...]``)."""
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "specrun" / "config.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    top, _, tables = extra.partition("[")
    user.write_text(
        f'provider = "loop"\n{top}\n[retries]\nmax_retries = 0\n\n'
        f'[providers.loop]\nkind = "anthropic"\nmodel = "scripted"\nbase_url = "{server.url}"\n'
        f'api_key_env = "LOOP_KEY"\noutput = "{output}"\n' + (f"\n[{tables}" if tables else "")
    )


def check_judged(
    invoke: Invoke,
    repo: Path,
    replies: list[Reply],
    *args: str | Path,
    output: str = "native",
    extra: str = "",
) -> tuple[Result, ScriptedServer]:
    with serving(replies) as server:
        configure(server, output, extra)
        result = invoke("check", VALID, "--repo", repo, "--judge", *args)
    return result, server


@pytest.fixture(autouse=True)
def loop_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOP_KEY", KEY)


def test_the_judge_clears_an_unsure_item(invoke: Invoke, example_repo: Path) -> None:
    result, server = check_judged(invoke, example_repo, [judge_reply("holds")])
    assert result.exit_code == 0, result.stderr
    assert "1 hold(s), 0 broken, 0 left for review" in result.stderr
    assert f"SC401 Candidate D > boundary_to_existing_specs: holds: {D_QUOTE!r}" in result.stderr
    assert len(server.requests) == 1
    body = server.requests[0].body
    assert body["output_config"]["format"]["schema"]["title"] == JUDGE_TOOL
    assert "tools" not in body
    assert body["model"] == "scripted"
    assert KEY not in result.stdout + result.stderr


def test_a_judge_profile_with_tool_output_answers_through_the_strict_tool(
    invoke: Invoke, example_repo: Path
) -> None:
    reply = anthropic_tool_answer(verdict_document("holds"), name=JUDGE_TOOL)
    result, server = check_judged(invoke, example_repo, [reply], output="tool")
    assert result.exit_code == 0, result.stderr
    assert "1 hold(s), 0 broken, 0 left for review" in result.stderr
    [tool] = server.requests[0].body["tools"]
    assert (tool["name"], tool["strict"]) == (JUDGE_TOOL, True)
    assert server.requests[0].body["tool_choice"] == {"type": "tool", "name": JUDGE_TOOL}
    assert "output_config" not in server.requests[0].body


def test_a_confirmed_breach_is_a_violation_with_its_evidence(
    invoke: Invoke, example_repo: Path
) -> None:
    result, _ = check_judged(invoke, example_repo, [judge_reply("broken")], "--json")
    assert result.exit_code == 1
    assert '"code": "SC401"' in result.stdout
    assert f'"evidence": "{D_QUOTE}"' in result.stdout
    assert "The judge found it broken: So." in result.stdout


def test_a_verdict_whose_quote_is_not_in_the_answer_is_discarded(
    invoke: Invoke, example_repo: Path
) -> None:
    invented = "this candidate leaves Spec 138 entirely alone"
    result, _ = check_judged(invoke, example_repo, [judge_reply("holds", invented)])
    assert result.exit_code == 0
    assert "0 hold(s), 0 broken, 1 left for review" in result.stderr
    assert "verdict discarded, its quote is not in the answer" in result.stderr


def test_a_malformed_judgement_is_an_input_error(invoke: Invoke, example_repo: Path) -> None:
    malformed = anthropic_json_answer({"verdicts": "all fine"})
    result, _ = check_judged(invoke, example_repo, [malformed])
    assert result.exit_code == 2
    stated, kept, error = result.stderr.strip().splitlines()
    assert kept.startswith("judge record: ")
    assert stated.startswith("judge: profile loop (anthropic, model scripted) at http://127.0.0.1")
    assert error.startswith(
        "specrun: error: the judge's answer could not be used (verdicts: The item is malformed"
    )
    assert "1 item(s) stay unreviewed" in error
    assert result.stdout == ""


def test_a_judge_without_its_key_sends_nothing(
    invoke: Invoke, example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOOP_KEY")
    result, server = check_judged(invoke, example_repo, [judge_reply("holds")])
    assert result.exit_code == 2
    assert "no API key: set the environment variable LOOP_KEY" in result.stderr
    assert server.requests == []


def test_a_refused_judge_is_a_provider_failure(invoke: Invoke, example_repo: Path) -> None:
    result, _ = check_judged(invoke, example_repo, [anthropic_error(401, "authentication_error")])
    assert result.exit_code == 3
    assert "authentication failed (HTTP 401)" in result.stderr
    assert KEY not in result.stderr


def test_a_judge_turned_off_cannot_judge(invoke: Invoke, example_repo: Path) -> None:
    (example_repo / "specrun.toml").write_text("judge = false\n")
    result = invoke("check", VALID, "--repo", example_repo, "--judge")
    assert result.exit_code == 2
    assert "turns it off (judge = false)" in result.stderr


def test_cassette_needs_judge(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("check", VALID, "--cassette", tmp_path / "judge.yaml")
    assert result.exit_code == 2
    assert "--cassette replays the judge: pass it with --judge" in result.stderr


def test_a_recorded_judgement_replays_without_a_key(
    invoke: Invoke, example_repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cassette = tmp_path / "judge.yaml"
    pack = load_prompt_pack("tenantpilot.spec-candidates", example_repo)
    document, findings = validate_document(
        SpecCandidates.model_validate_json(VALID.read_text()).model_dump(),
        pack.rules,
        gather_numbering_evidence(example_repo),
    )
    assert document is not None
    lines: list[str] = []
    with serving([judge_reply("holds")]) as server:
        configure(server)
        judged = judge_result(
            document,
            findings,
            pack.rules,
            VALID,
            example_repo,
            {"LOOP_KEY": KEY, "SPECRUN_RUNS_DIR": str(tmp_path / "runs")},
            lines.append,
            Recording(cassette, record=True),
        )
    assert judged.needs_review == ()
    assert KEY not in cassette.read_text()
    monkeypatch.delenv("LOOP_KEY")
    result = invoke("check", VALID, "--repo", example_repo, "--judge", "--cassette", cassette)
    assert result.exit_code == 0, result.stderr
    assert "replaying" in result.stderr
    modes = sorted(record["cassette"]["mode"] for record in judge_records())
    assert modes == ["record", "replay"], "recording and replaying each left a record"
    assert "1 hold(s), 0 broken, 0 left for review" in result.stderr


def test_check_with_the_judge_reports_nothing_to_review(
    invoke: Invoke, example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules_alone = tuple(check for check in rule_checks.CHECKS if check is not unsure_boundary)
    monkeypatch.setattr(rule_checks, "CHECKS", rules_alone)
    result, server = check_judged(invoke, example_repo, [])
    assert result.exit_code == 0
    assert "judge: nothing is left for review" in result.stderr
    assert server.requests == []


def judge_records() -> list[dict[str, Any]]:
    runs = Path(os.environ["SPECRUN_RUNS_DIR"])
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(runs.glob("*.json"))]


@pytest.mark.parametrize(
    ("reply", "status", "exit_code"),
    [
        (judge_reply("holds"), "valid", 0),
        (judge_reply("broken"), "invalid", 1),
        (anthropic_json_answer({"verdicts": "all fine"}), "failed", 2),
        (anthropic_error(401, "authentication_error"), "provider-failure", 3),
    ],
    ids=["cleared", "confirmed", "unreadable", "refused"],
)
def test_every_judged_check_leaves_a_record_like_a_run(
    invoke: Invoke, example_repo: Path, reply: Reply, status: str, exit_code: int
) -> None:
    result, _ = check_judged(invoke, example_repo, [reply])
    assert result.exit_code == exit_code, result.stderr
    [record] = judge_records()
    assert (record["command"], record["status"]) == ("check --judge", status)
    assert record["checked"] == str(VALID)
    assert record["judge"]["model"] == "scripted"
    assert f"judge record: {Path(os.environ['SPECRUN_RUNS_DIR'])}" in result.stderr
    if status in ("valid", "invalid"):
        assert record["verdicts"]["rulings"][0]["quote"] == D_QUOTE
        assert record["usage"]["output_tokens"] > 0
    if status == "provider-failure":
        assert "authentication failed" in record["error"]
    assert KEY not in json.dumps(record)


PRICES = '[prices."scripted"]\ninput = 1.0\noutput = 10.0\n'


def test_the_judges_call_is_priced_on_its_line_and_in_its_record(
    invoke: Invoke, example_repo: Path
) -> None:
    result, _ = check_judged(invoke, example_repo, [judge_reply("holds")], extra=PRICES)
    assert result.exit_code == 0, result.stderr
    [record] = judge_records()
    usage = record["usage"]
    usd = (usage["input_tokens"] * 1.0 + usage["output_tokens"] * 10.0) / 1_000_000
    assert usd > 0
    assert record["cost"] == {"usd": round(usd, 6), "price_unknown": []}
    assert f"judge cost: ${usd:,.4f}" in result.stderr


def test_a_judge_without_a_price_says_so(invoke: Invoke, example_repo: Path) -> None:
    result, _ = check_judged(invoke, example_repo, [judge_reply("holds")])
    assert result.exit_code == 0, result.stderr
    assert "judge cost: price unknown (scripted)" in result.stderr
    [record] = judge_records()
    assert record["cost"] == {"usd": 0.0, "price_unknown": ["scripted"]}


def test_a_judge_call_over_the_budget_is_not_sent(invoke: Invoke, example_repo: Path) -> None:
    result, server = check_judged(
        invoke, example_repo, [judge_reply("holds")], extra="max_cost = 0.0001\n" + PRICES
    )
    assert result.exit_code == 1
    assert server.requests == []
    assert "budget: spent $0.0000 of $0.0001; the next request to scripted" in result.stderr
    [record] = judge_records()
    assert (record["status"], record["usage"]) == ("budget", None)


def test_a_budget_over_an_unpriced_judge_is_refused_before_anything_is_sent(
    invoke: Invoke, example_repo: Path
) -> None:
    result, server = check_judged(
        invoke, example_repo, [judge_reply("holds")], extra="max_cost = 1.0\n"
    )
    assert result.exit_code == 2
    assert server.requests == []
    assert "max_cost is set, but the price of scripted is unknown" in result.stderr
    assert judge_records() == []
