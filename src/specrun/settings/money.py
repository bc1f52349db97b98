"""Money as specrun speaks of it: an amount in USD, and the models whose calls had no price.

``specrun.providers.prices`` makes a ``Cost`` from usage; the run record, the progress lines
and ``specrun runs`` show it. It lives apart from the pricing so that listing past runs loads
nothing but this.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

UNKNOWN = "price unknown"


def dollars(amount: Decimal | float) -> str:
    return f"${amount:,.4f}"


@dataclass(frozen=True)
class Cost:
    """USD of the priced calls, and the models whose calls could not be priced."""

    usd: Decimal = Decimal(0)
    unpriced: frozenset[str] = field(default_factory=frozenset)

    def __add__(self, other: "Cost") -> "Cost":
        return Cost(self.usd + other.usd, self.unpriced | other.unpriced)

    def __str__(self) -> str:
        if not self.unpriced:
            return dollars(self.usd)
        models = ", ".join(sorted(self.unpriced))
        if self.usd:
            return f"{dollars(self.usd)} + {UNKNOWN} for {models}"
        return f"{UNKNOWN} ({models})"

    def as_dict(self) -> dict[str, Any]:
        return {"usd": float(round(self.usd, 6)), "price_unknown": sorted(self.unpriced)}
