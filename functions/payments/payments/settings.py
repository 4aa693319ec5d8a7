from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, Json, model_validator

from cockpit.money import CURRENCY_EXPONENTS
from cockpit.settings import EnvSettings


class CurrencyLimits(BaseModel):
    """A vehicle's limits in one currency, in minor units: per payment and per rolling 24 hours."""

    per_payment: int = Field(gt=0)
    per_day: int = Field(gt=0)


class PaymentsSettings(EnvSettings):
    table: str = Field(alias="PAYMENTS_TABLE", min_length=1)
    processor: Literal["sandbox", "stripe"] = Field(alias="PAYMENTS_PROCESSOR")
    secret_arn: str = Field(alias="PAYMENTS_SECRET_ARN", min_length=1)
    # {"CNY": {"per_payment": 200000, "per_day": 500000}, ...}: the allowed currencies are its keys.
    limits: Json[dict[str, CurrencyLimits]] = Field(alias="PAYMENTS_LIMITS")
    stripe_api_base: str = Field(default="https://api.stripe.com", alias="STRIPE_API_BASE")
    timeout_s: float = Field(default=8.0, gt=0, le=25, alias="PAYMENTS_PROCESSOR_TIMEOUT_SECONDS")
    write_lock_s: int = Field(default=60, ge=1, le=3600, alias="WRITE_LOCK_SECONDS")

    @model_validator(mode="after")
    def _known_currencies(self) -> PaymentsSettings:
        unknown = sorted(set(self.limits) - set(CURRENCY_EXPONENTS))
        if unknown or not self.limits:
            raise ValueError(f"PAYMENTS_LIMITS names currencies without a known exponent: {unknown}")
        return self
