"""What a request costs: token usage priced in USD, never guessed.

Prices come from the user's ``[prices."MODEL"]`` tables first (``specrun.settings.config``: a
private deployment, a gateway), else from pydantic's maintained table ``genai-prices`` for a
profile that talks to its vendor's own endpoint. A model neither knows is *unpriced*: its
tokens are still counted, and the cost says "price unknown" rather than a figure. A server of
one's own (a ``base_url``) is never priced from the vendor's table, since the same model name
there may cost anything.

``genai-prices`` wants the input tokens including cache reads and writes, each priced at its
own rate. Anthropic reports its input tokens without the cached ones; OpenAI's prompt tokens
(and every OpenAI-compatible server's) include the cache reads, so ``total_input`` adds what
each kind leaves out. The table is imported only when something is priced (it takes about
0.1 s), and reads no network.
"""

from collections.abc import Mapping
from decimal import Decimal

from specrun.providers import Usage
from specrun.settings.config import ModelPrice, ProviderProfile, is_vendor_endpoint
from specrun.settings.money import Cost

MILLION = Decimal(1_000_000)


def total_input(profile: ProviderProfile, usage: Usage) -> int:
    """All input tokens of a call, cached ones included, whichever way its provider counts."""
    if profile.kind == "anthropic":
        return usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens
    return usage.input_tokens + usage.cache_write_tokens


def _own(price: ModelPrice, usage: Usage, uncached: int) -> Decimal:
    rates = (
        (uncached, price.input),
        (usage.output_tokens, price.output),
        (usage.cache_read_tokens, price.input if price.cache_read is None else price.cache_read),
        (usage.cache_write_tokens, price.input if price.cache_write is None else price.cache_write),
    )
    return sum((tokens * Decimal(str(rate)) for tokens, rate in rates), Decimal(0)) / MILLION


class Pricing:
    """Prices usage for a profile; the user's prices win over the maintained table."""

    def __init__(self, prices: Mapping[str, ModelPrice]) -> None:
        self.prices = prices

    def known(self, profile: ProviderProfile) -> bool:
        """Can this profile's calls be priced?"""
        return self._usd(profile, Usage(input_tokens=1, output_tokens=1)) is not None

    def cost(self, profile: ProviderProfile, usage: Usage) -> Cost:
        if usage == Usage():
            return Cost()
        usd = self._usd(profile, usage)
        return Cost(unpriced=frozenset({profile.model})) if usd is None else Cost(usd)

    def worst_case(self, profile: ProviderProfile, input_tokens: int) -> Decimal | None:
        """The most a request of ``input_tokens`` can cost: every input token at the dearer of
        the input and cache-write rates, and the whole output limit used."""
        output = profile.max_tokens
        plain = Usage(input_tokens=input_tokens, output_tokens=output)
        cached = Usage(output_tokens=output, cache_write_tokens=input_tokens)
        prices = [self._usd(profile, usage) for usage in (plain, cached)]
        return None if None in prices else max(price for price in prices if price is not None)

    def _usd(self, profile: ProviderProfile, usage: Usage) -> Decimal | None:
        total = total_input(profile, usage)
        own = self.prices.get(profile.model)
        if own is not None:
            return _own(own, usage, total - usage.cache_read_tokens - usage.cache_write_tokens)
        if not is_vendor_endpoint(profile):
            return None
        from genai_prices import Usage as Tokens
        from genai_prices import calc_price

        tokens = Tokens(
            input_tokens=total,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
        )
        try:
            price = calc_price(tokens, model_ref=profile.model, provider_id=profile.kind)
        except (LookupError, ValueError):
            return None
        return Decimal(price.total_price)
