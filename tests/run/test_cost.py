"""Cost and budgets end to end: usage priced through both SDKs against the scripted loopback
server, and ``max_cost`` refusing a request whose worst case would pass it."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes import ScriptedProvider
from support import EXAMPLE, Invoke
from wire import (
    Reply,
    ScriptedServer,
    anthropic_json_answer,
    openai_json_answer,
    scripted_judge,
    scripted_server,
)

from specrun.document.model import SpecCandidates
from specrun.providers import Answer, Request, Turn, Usage
from specrun.providers.prices import Pricing
from specrun.run.cost import Budgeted, BudgetExceeded, Spending, input_estimate
from specrun.settings.config import ModelPrice, ProviderProfile

KEY = "kv-cost-check-51d0e2"
PRICES = (
    '[prices."scripted"]\ninput = 2.0\noutput = 10.0\ncache_read = 0.2\n\n'
    '[prices."scripted-judge"]\ninput = 1.0\noutput = 5.0\n'
)
# Input free, so a request's worst case is exactly its output limit at 10 USD per M tokens.
OUTPUT_ONLY = '[prices."scripted"]\ninput = 0\noutput = 10.0\n'


@pytest.fixture(autouse=True)
def loop_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOP_KEY", KEY)


def config_for(folder: Path, kind: str, server: ScriptedServer, extra: str = "") -> Path:
    base_url = server.url + ("/v1" if kind == "openai" else "")
    path = folder / "loopback.toml"
    path.write_text(
        f'provider = "loop"\n{extra}\n[retries]\nmax_retries = 0\n\n'
        f'[providers.loop]\nkind = "{kind}"\nmodel = "scripted"\nbase_url = "{base_url}"\n'
        'api_key_env = "LOOP_KEY"\nmax_tokens = 4000\n'
    )
    return path


def run_priced(
    invoke: Invoke,
    tmp_path: Path,
    kind: str,
    replies: list[Reply],
    *args: str,
    prices: str | None = PRICES,
    extra: str = "",
    judge: Any = None,
) -> tuple[Any, ScriptedServer]:
    price_args: list[str] = []
    if prices is not None:
        price_file = tmp_path / "prices.toml"
        price_file.write_text(prices)
        price_args = ["--price-file", str(price_file)]
    with scripted_server(replies, judge) as server:
        config = config_for(tmp_path, kind, server, extra)
        result = invoke(
            "run", "--repo", EXAMPLE, "--config", config, "--format", "json", *price_args, *args
        )
    return result, server


def only_record(runs: Path) -> dict[str, Any]:
    [path] = runs.glob("*.json")
    record: dict[str, Any] = json.loads(path.read_text())
    return record


def test_anthropic_usage_line_and_record_show_the_cost_with_cache_reads_at_their_price(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], isolated_environment: Path
) -> None:
    replies = [anthropic_json_answer(valid_document, cache_read=4000)]
    result, _ = run_priced(invoke, tmp_path, "anthropic", replies)
    assert result.exit_code == 0, result.stderr
    # 812 input at 2, 4,000 cache reads at 0.2, 3,104 output at 10 USD per M tokens.
    assert "812 in / 3,104 out, $0.0335; valid" in result.stderr
    assert "4,000 cache read, 0 cache write tokens; cost $0.0335" in result.stderr
    record = only_record(isolated_environment)
    assert record["cost"] == {"usd": 0.033464, "price_unknown": []}
    assert record["attempts"][0]["cost"]["usd"] == 0.033464
    assert record["summary"]["cost"]["usd"] == 0.033464
    assert KEY not in result.stderr + json.dumps(record)
    listed = invoke("runs")
    assert listed.exit_code == 0
    assert "valid  1 attempt(s)  7,916 tokens  $0.0335  loop/scripted" in listed.stdout


def test_openai_usage_line_shows_the_cost_without_counting_cached_tokens_twice(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], isolated_environment: Path
) -> None:
    reply = openai_json_answer(valid_document)
    reply.body["usage"]["prompt_tokens_details"]["cached_tokens"] = 4000
    result, _ = run_priced(invoke, tmp_path, "openai", [reply])
    assert result.exit_code == 0, result.stderr
    # 650 uncached input at 2, 4,000 cache reads at 0.2, 3,020 output at 10 USD per M tokens.
    assert "4,000 cache read, 0 cache write tokens; cost $0.0323" in result.stderr
    record = only_record(isolated_environment)
    assert record["cost"]["usd"] == 0.0323
    assert record["summary"]["tokens"] == 4_650 + 3_020


@pytest.mark.usefixtures("unsure")
def test_the_judge_is_priced_at_its_own_models_prices(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], isolated_environment: Path
) -> None:
    replies = [anthropic_json_answer(valid_document)]
    result, server = run_priced(
        invoke,
        tmp_path,
        "anthropic",
        replies,
        extra='\n[judge]\nmodel = "scripted-judge"\n',
        judge=scripted_judge("anthropic"),
    )
    assert result.exit_code == 0, result.stderr
    assert len(server.requests) == 2
    # The answer: 812 at 2 and 3,104 at 10; the judge: 5,210 at 1 and 96 at 5.
    answer, judge = Decimal("0.032664"), Decimal("0.00569")
    assert "812 in / 3,104 out, $0.0327 (judge $0.0057); valid" in result.stderr
    assert f"cost ${answer + judge:.4f}" in result.stderr
    record = only_record(isolated_environment)
    assert record["cost"]["usd"] == float(answer + judge)
    shown = invoke("runs", "show", record["summary"]["started_at"][:4]).stdout.splitlines()
    assert "attempt 1: " in shown[3] and f"${answer + judge:.4f}; stop end_turn" in shown[3]
    assert "  judge scripted-judge: answered" in shown
    assert any(
        line.startswith("    SC401 Candidate D > ") and ": holds: " in line for line in shown
    )


def test_a_model_without_a_price_shows_tokens_and_price_unknown(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], isolated_environment: Path
) -> None:
    replies = [anthropic_json_answer(valid_document)]
    result, _ = run_priced(invoke, tmp_path, "anthropic", replies, prices=None)
    assert result.exit_code == 0, result.stderr
    assert "812 in / 3,104 out, price unknown (scripted); valid" in result.stderr
    assert "cache write tokens; cost price unknown (scripted)" in result.stderr
    assert only_record(isolated_environment)["cost"] == {"usd": 0.0, "price_unknown": ["scripted"]}


def test_a_budget_over_an_unpriced_model_is_refused_before_any_request(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], isolated_environment: Path
) -> None:
    replies = [anthropic_json_answer(valid_document)]
    result, server = run_priced(
        invoke, tmp_path, "anthropic", replies, "--max-cost", "5", prices=None
    )
    assert result.exit_code == 2
    assert "max_cost is set, but the price of scripted is unknown" in result.stderr
    assert [line for line in result.stderr.splitlines() if "error" in line] == [
        line for line in result.stderr.splitlines() if line.startswith("specrun: error: max_cost")
    ]
    assert server.requests == []
    assert not isolated_environment.exists()


def test_a_request_that_could_pass_the_budget_is_not_sent(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], isolated_environment: Path
) -> None:
    broken = json.loads(json.dumps(valid_document))
    broken["candidates"][0]["status"] = "Draft"
    replies = [anthropic_json_answer(broken), anthropic_json_answer(valid_document)]
    result, server = run_priced(
        invoke, tmp_path, "anthropic", replies, "--max-cost", "0.05", prices=OUTPUT_ONLY
    )
    assert result.exit_code == 1
    assert len(server.requests) == 1
    assert (
        "specrun: error: budget: spent $0.0310 of $0.0500; the next request to scripted could "
        "cost up to $0.0400, so it was not sent"
    ) in result.stderr
    record = only_record(isolated_environment)
    assert record["status"] == "budget"
    assert record["summary"]["status"] == "budget"
    assert record["max_cost"] == 0.05
    assert len(record["attempts"]) == 1
    assert result.stdout == ""


@pytest.mark.usefixtures("unsure")
def test_the_judges_request_passes_the_budget_too(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], isolated_environment: Path
) -> None:
    replies = [anthropic_json_answer(valid_document)]
    result, server = run_priced(
        invoke,
        tmp_path,
        "anthropic",
        replies,
        "--max-cost",
        "0.05",
        prices=OUTPUT_ONLY,
        judge=scripted_judge("anthropic"),
    )
    assert result.exit_code == 1
    assert len(server.requests) == 1
    assert "budget: spent $0.0310 of $0.0500" in result.stderr
    record = only_record(isolated_environment)
    assert (record["status"], len(record["attempts"])) == ("budget", 1)


def test_a_budget_from_the_config_file_is_kept(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], isolated_environment: Path
) -> None:
    replies = [anthropic_json_answer(valid_document)]
    result, server = run_priced(
        invoke, tmp_path, "anthropic", replies, prices=OUTPUT_ONLY, extra="max_cost = 0.01\n"
    )
    assert result.exit_code == 1
    assert server.requests == []
    assert "budget: spent $0.0000 of $0.0100" in result.stderr
    assert only_record(isolated_environment)["status"] == "budget"


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "-inf"])
def test_a_budget_that_is_no_amount_is_refused(
    invoke: Invoke, tmp_path: Path, value: str, isolated_environment: Path
) -> None:
    result = invoke("run", "--repo", EXAMPLE, "--max-cost", value)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "specrun: error: --max-cost must be a positive amount of USD, at most 1,000,000"
    ]
    assert not isolated_environment.exists()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            '[prices."m"]\ninput = "cheap"\noutput = 1\n',
            "prices.m.input: Input should be a valid number",
        ),
        ('[prices."m"]\ninput = 1\n', "prices.m.output: Field required"),
        ('[prices."m"]\ninput = -1\noutput = 1\n', "prices.m.input: Input should be greater"),
        (
            '[prices."m"]\ninput = 1\noutput = 1\ncahce_read = 1\n',
            "prices.m.cahce_read: unknown key",
        ),
        (
            '[prices."m"]\ninput = nan\noutput = 1\n',
            "prices.m.input: Input should be a finite number",
        ),
        ("[prices\n", "cannot be read"),
    ],
)
def test_a_malformed_price_file_is_one_line_and_exit_2(
    invoke: Invoke, tmp_path: Path, text: str, problem: str, isolated_environment: Path
) -> None:
    price_file = tmp_path / "prices.toml"
    price_file.write_text(text)
    result = invoke("run", "--repo", EXAMPLE, "--price-file", price_file)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"specrun: error: price file {price_file} ")
    assert problem in line
    assert not isolated_environment.exists()


def test_a_missing_price_file_is_exit_2(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("run", "--repo", EXAMPLE, "--price-file", tmp_path / "none.toml")
    assert result.exit_code == 2
    assert f"price file {tmp_path / 'none.toml'} does not exist" in result.stderr


def test_the_budget_counts_what_each_answer_reported() -> None:
    profile = ProviderProfile(kind="openai", model="mine", max_tokens=1_000)
    pricing = Pricing({"mine": ModelPrice(input=0, output=10)})
    spending = Spending(Decimal("0.025"))
    paid = Answer("{}", Usage(input_tokens=500, output_tokens=800), "stop")
    provider = ScriptedProvider(paid, paid, paid)
    budgeted = Budgeted(provider, profile, pricing, spending)
    request = Request("system", (Turn("user", "ask"),))
    budgeted.complete(request)
    budgeted.complete(request)
    assert spending.spent.usd == Decimal("0.016")
    with pytest.raises(BudgetExceeded, match=r"spent \$0.0160 of \$0.0250; .* up to \$0.0100"):
        budgeted.complete(request)
    assert len(provider.requests) == 2


def test_the_input_estimate_counts_the_system_turns_and_schema() -> None:
    small = Request("s", (Turn("user", "a"),))
    large = Request("s" * 4_000, (Turn("user", "a" * 4_000),))
    assert 1_998 <= input_estimate(large) - input_estimate(small) <= 2_000
    assert input_estimate(small) >= len(json.dumps(SpecCandidates.model_json_schema())) // 4
