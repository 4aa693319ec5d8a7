"""Money as an integer amount in minor units plus an ISO 4217 currency."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict, Field

# ISO 4217 minor-unit exponents of the currencies the gateway handles.
CURRENCY_EXPONENTS: dict[str, int] = {"CNY": 2, "EUR": 2, "USD": 2, "GBP": 2, "HKD": 2, "JPY": 0, "KRW": 0}


class Money(BaseModel):
    model_config = ConfigDict(frozen=True)

    amount: int = Field(ge=0, le=10_000_000_00, description="minor units")
    currency: str = Field(pattern=r"^[A-Z]{3}$")

    @classmethod
    def from_major(cls, value: Decimal | str | float, currency: str) -> Money:
        """Round a decimal amount in major units (as OCPI prices are) to minor units."""
        exponent = CURRENCY_EXPONENTS[currency]
        minor = (Decimal(str(value)) * (Decimal(10) ** exponent)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return cls(amount=int(minor), currency=currency)

    def to_major(self) -> Decimal:
        return Decimal(self.amount) / (Decimal(10) ** CURRENCY_EXPONENTS[self.currency])
