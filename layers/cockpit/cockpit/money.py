"""Money as an integer amount in minor units plus an ISO 4217 currency, and the one way it is written
for a driver (`Money.text(locale)`)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# ISO 4217 minor-unit exponents of the currencies the gateway handles.
CURRENCY_EXPONENTS: dict[str, int] = {"CNY": 2, "EUR": 2, "USD": 2, "GBP": 2, "HKD": 2, "JPY": 0, "KRW": 0}
# ISO 4217's usual exponent, for a currency outside the table (written, never computed with).
DEFAULT_EXPONENT = 2

# English: the symbol before the number. ¥ alone is the yuan (the gateway's home currency); the yen is
# JP¥ so the two never read alike. Any other currency: its code, a space, the number ("CHF 12.00").
EN_SYMBOLS: dict[str, str] = {
    "CNY": "¥",
    "JPY": "JP¥",
    "EUR": "€",
    "USD": "$",
    "GBP": "£",
    "HKD": "HK$",
    "KRW": "₩",
}
# Chinese: the yuan keeps ¥ before the number (as Chinese receipts print it); any other currency is
# its Chinese name after the number ("8000日元"), or its code after a space ("12.00 CHF").
ZH_NAMES: dict[str, str] = {
    "JPY": "日元",
    "EUR": "欧元",
    "USD": "美元",
    "GBP": "英镑",
    "HKD": "港元",
    "KRW": "韩元",
}


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

    def text(self, locale: str) -> str:
        """The amount as the driver reads or hears it, in the session's locale: the currency's own
        number of decimals (ISO 4217: ¥45.50, JP¥8000), no grouping, the symbol or name by locale.
        en-US (and any locale but zh-CN): ¥45.50, JP¥8000, €12.00, $5.00, CHF 12.00.
        zh-CN: ¥45.50, 8000日元, 12.00欧元, 5.00美元, 12.00 CHF."""
        exponent = CURRENCY_EXPONENTS.get(self.currency, DEFAULT_EXPONENT)
        number = f"{Decimal(self.amount).scaleb(-exponent):.{exponent}f}"
        if locale == "zh-CN":
            if self.currency == "CNY":
                return f"¥{number}"
            name = ZH_NAMES.get(self.currency)
            return f"{number}{name}" if name else f"{number} {self.currency}"
        symbol = EN_SYMBOLS.get(self.currency)
        return f"{symbol}{number}" if symbol else f"{self.currency} {number}"

    @classmethod
    def parsed(cls, value: Any) -> Money | None:
        """`value` as Money when it is one ({"amount": 4550, "currency": "CNY"}), else None."""
        if not isinstance(value, dict) or set(value) != {"amount", "currency"}:
            return None
        try:
            return cls.model_validate(value, strict=True)
        except ValidationError:
            return None
