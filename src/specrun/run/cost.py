"""What a run spends, and the budget that stops it before it overspends.

``attempt_cost`` prices one attempt: the model's answer at the run profile's prices and the
judge's call at the judge's (``specrun.providers.prices``). ``Budgeted`` wraps a provider, so
every request the run sends, the model's and the judge's alike, passes one check: its worst case
(the input as estimated from the characters sent, with the response schema, plus the whole
output limit) added to what the run has spent must stay within ``max_cost``, or the request is
not sent and ``BudgetExceeded`` ends the run (status ``budget``, exit 1). What was spent is
counted from the usage each answer reports. ``check --judge`` keeps the same budget over its one
call to the judge.
"""

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from specrun.context.assembly import CHARACTERS_PER_TOKEN
from specrun.errors import InputError, SpecrunError
from specrun.providers import Answer, Provider, Request
from specrun.providers.prices import Pricing, total_input
from specrun.run.reask import Attempt
from specrun.settings.config import ProviderProfile, Settings
from specrun.settings.money import Cost, dollars


class BudgetExceeded(SpecrunError):
    """The next request could take the run past ``max_cost``; it was not sent."""

    exit_code = 1


@dataclass
class Spending:
    """What the run has spent so far, shared by the model and the judge."""

    limit: Decimal
    spent: Cost = field(default_factory=Cost)


def attempt_cost(attempt: Attempt, settings: Settings, pricing: Pricing) -> Cost:
    cost = pricing.cost(settings.profile, attempt.answer.usage)
    if attempt.judged is not None and settings.judge is not None:
        cost += pricing.cost(settings.judge.profile, attempt.judged.usage)
    return cost


def runs_tokens(attempts: tuple[Attempt, ...], settings: Settings) -> int:
    """Every token the run's calls read or wrote, cached ones once, whichever way each
    provider counts them."""
    calls = [(settings.profile, attempt.answer.usage) for attempt in attempts]
    if settings.judge is not None:
        judge = settings.judge.profile
        calls += [(judge, a.judged.usage) for a in attempts if a.judged is not None]
    return sum(total_input(profile, usage) + usage.output_tokens for profile, usage in calls)


def runs_cost(attempts: tuple[Attempt, ...], settings: Settings, pricing: Pricing) -> Cost:
    return sum((attempt_cost(a, settings, pricing) for a in attempts), Cost())


def input_estimate(request: Request) -> int:
    """The request's input tokens, estimated from what is sent: the system prompt, the turns
    and the schema the answer must fit."""
    schema = json.dumps(request.response_model.model_json_schema())
    characters = len(request.system) + len(schema) + sum(len(t.text) for t in request.turns)
    return math.ceil(characters / CHARACTERS_PER_TOKEN)


def check_budget(
    settings: Settings, pricing: Pricing, profiles: Sequence[ProviderProfile] | None = None
) -> Spending | None:
    """The spending account of the calls to ``profiles`` (a run's: its model and judge), or
    None without a budget; a budget over a model that cannot be priced is refused before
    anything is sent."""
    if settings.max_cost is None:
        return None
    if profiles is None:
        profiles = [settings.profile] + ([settings.judge.profile] if settings.judge else [])
    for profile in profiles:
        if not pricing.known(profile):
            raise InputError(
                f"max_cost is set, but the price of {profile.model} is unknown, so the budget "
                f'cannot be kept; give its price in a [prices."{profile.model}"] table or a '
                "--price-file, or drop max_cost"
            )
    return Spending(Decimal(str(settings.max_cost)))


class Budgeted:
    """A provider whose requests are sent only while their worst case fits the budget."""

    def __init__(
        self, inner: Provider, profile: ProviderProfile, pricing: Pricing, spending: Spending
    ) -> None:
        self.inner = inner
        self.profile = profile
        self.pricing = pricing
        self.spending = spending

    def complete(self, request: Request) -> Answer:
        spending = self.spending
        worst = self.pricing.worst_case(self.profile, input_estimate(request)) or Decimal(0)
        if spending.spent.usd + worst > spending.limit:
            raise BudgetExceeded(
                f"budget: spent {dollars(spending.spent.usd)} of {dollars(spending.limit)}; the "
                f"next request to {self.profile.model} could cost up to {dollars(worst)}, so it "
                "was not sent; raise --max-cost to go on"
            )
        answer = self.inner.complete(request)
        spending.spent += self.pricing.cost(self.profile, answer.usage)
        return answer
