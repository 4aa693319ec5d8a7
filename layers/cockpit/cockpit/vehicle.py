"""The vehicle context a tool call may carry: where the car is, its battery, its connectors and service needs.

The assistant fills it from the session (api.md: `POST /v1/sessions` `vehicle`); direct tool calls carry
none, so a domain that needs it (navigation's "current location", range for EV feasibility, 'Car Genius'
service appointments) answers a clear 422 when it is missing.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from cockpit.jsontypes import JsonInt


class Point(BaseModel):
    """WGS-84 coordinates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="latitude, WGS-84")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="longitude, WGS-84")


class ServiceNeeds(BaseModel):
    """What the car reports it needs: due maintenance items and active fault codes (e.g. OBD-II DTCs)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    due: tuple[str, ...] = Field(default=(), max_length=32)
    fault_codes: tuple[str, ...] = Field(default=(), max_length=32)
    mileage_km: JsonInt | None = Field(default=None, ge=0)


class VehicleContext(BaseModel):
    """The car's own report, as the session holds it (every field optional: cars report what they know)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    location: Point | None = None
    heading_deg: float | None = Field(default=None, ge=0, lt=360)
    battery_percent: float | None = Field(default=None, ge=0, le=100)
    range_km: float | None = Field(default=None, ge=0, le=2000)
    battery_capacity_kwh: float | None = Field(default=None, gt=0, le=300)
    consumption_kwh_per_100km: float | None = Field(default=None, gt=0, le=100)
    connectors: tuple[str, ...] = Field(default=(), max_length=8)
    service: ServiceNeeds | None = None

    def merged(self, update: VehicleContext) -> VehicleContext:
        """This context with the fields `update` sets (a turn's partial update), validated again: a copy
        with `update=` would keep the update's nested models as plain dicts (`location.lat` then fails)."""
        return VehicleContext.model_validate(
            {**self.model_dump(exclude_unset=True), **update.model_dump(exclude_unset=True)}
        )
