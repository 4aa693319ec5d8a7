from __future__ import annotations

from typing import Literal

from pydantic import Field

from cockpit.settings import EnvSettings


class BookingSettings(EnvSettings):
    table: str = Field(alias="BOOKING_TABLE", min_length=1)
    provider: Literal["sandbox"] = Field(alias="BOOKING_PROVIDER")
    horizon_days: int = Field(default=14, ge=1, le=60, alias="BOOKING_HORIZON_DAYS")
    payments_function: str = Field(alias="PAYMENTS_FUNCTION", min_length=1)
    write_lock_s: int = Field(default=60, ge=1, le=3600, alias="WRITE_LOCK_SECONDS")
    max_holds_per_vehicle: int = Field(default=2, ge=1, le=50, alias="BOOKING_MAX_HOLDS_PER_VEHICLE")
