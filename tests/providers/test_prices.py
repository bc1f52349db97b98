"""Pricing: the user's prices, the maintained table for a vendor's own endpoint, never a guess."""

from decimal import Decimal

from genai_prices import Usage as Tokens
from genai_prices import calc_price

from specrun.providers import Usage
from specrun.providers.prices import Pricing
from specrun.settings.config import ModelPrice, ProviderProfile
from specrun.settings.money import Cost

OWN = ModelPrice(input=2.0, output=10.0, cache_read=0.2, cache_write=2.5)


def profile(kind: str, model: str, base_url: str | None = None) -> ProviderProfile:
    return ProviderProfile.model_validate({"kind": kind, "model": model, "base_url": base_url})


def test_own_prices_charge_cache_reads_and_writes_at_their_own_rates() -> None:
    usage = Usage(
        input_tokens=1_000, output_tokens=2_000, cache_read_tokens=4_000, cache_write_tokens=300
    )
    cost = Pricing({"mine": OWN}).cost(profile("anthropic", "mine"), usage)
    expected = (1_000 * 2 + 2_000 * 10 + 4_000 * Decimal("0.2") + 300 * Decimal("2.5")) / 1_000_000
    assert cost == Cost(expected)
    assert str(cost) == "$0.0236"


def test_openai_prompt_tokens_already_hold_the_cached_ones() -> None:
    usage = Usage(input_tokens=4_650, output_tokens=3_020, cache_read_tokens=4_000)
    cost = Pricing({"mine": OWN}).cost(profile("openai", "mine", "http://127.0.0.1:9/v1"), usage)
    assert cost.usd == (650 * 2 + 4_000 * Decimal("0.2") + 3_020 * 10) / Decimal(1_000_000)


def test_a_vendor_model_is_priced_by_the_maintained_table_with_every_input_token() -> None:
    usage = Usage(
        input_tokens=1_000, output_tokens=500, cache_read_tokens=8_000, cache_write_tokens=2_000
    )
    cost = Pricing({}).cost(profile("anthropic", "claude-sonnet-4-5"), usage)
    table = calc_price(
        Tokens(
            input_tokens=11_000,
            output_tokens=500,
            cache_read_tokens=8_000,
            cache_write_tokens=2_000,
        ),
        model_ref="claude-sonnet-4-5",
        provider_id="anthropic",
    )
    assert cost == Cost(Decimal(table.total_price))
    uncached = Pricing({}).cost(profile("anthropic", "claude-sonnet-4-5"), Usage(11_000, 500))
    assert cost.usd != uncached.usd


def test_an_unknown_model_is_price_unknown_never_a_guess() -> None:
    pricing = Pricing({})
    cost = pricing.cost(profile("openai", "no-such-model-7"), Usage(10, 10))
    assert cost == Cost(unpriced=frozenset({"no-such-model-7"}))
    assert str(cost) == "price unknown (no-such-model-7)"
    assert not pricing.known(profile("openai", "no-such-model-7"))


def test_a_server_of_ones_own_is_not_priced_from_the_vendor_table() -> None:
    local = profile("openai", "gpt-4.1", "http://127.0.0.1:11434/v1")
    assert Pricing({}).known(profile("openai", "gpt-4.1"))
    assert not Pricing({}).known(local)
    assert Pricing({"gpt-4.1": OWN}).known(local)


def test_no_usage_costs_nothing_even_unpriced() -> None:
    assert Pricing({}).cost(profile("openai", "no-such-model-7"), Usage()) == Cost()


def test_partly_priced_costs_say_which_model_is_unknown() -> None:
    cost = Cost(Decimal("0.5")) + Cost(unpriced=frozenset({"judge-x"}))
    assert str(cost) == "$0.5000 + price unknown for judge-x"
    assert cost.as_dict() == {"usd": 0.5, "price_unknown": ["judge-x"]}


def test_the_worst_case_is_the_whole_output_limit_at_the_dearer_input_rate() -> None:
    mine = ProviderProfile(kind="anthropic", model="mine", max_tokens=4_000)
    worst = Pricing({"mine": OWN}).worst_case(mine, 10_000)
    assert worst == (10_000 * Decimal("2.5") + 4_000 * 10) / Decimal(1_000_000)
    assert Pricing({}).worst_case(profile("openai", "no-such-model-7"), 10) is None
