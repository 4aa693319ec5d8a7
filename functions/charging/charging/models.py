"""The charging tools' arguments and results (the JSON Schemas in the catalog say the same)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from charging.ports import ConnectorStandard
from cockpit.money import Money

ID = r"^[A-Za-z0-9_.-]{1,64}$"
SESSION_ID = r"^cs_[a-f0-9]{24}$"


class Standard(StrEnum):
    """Connector standards as drivers and assistants name them."""

    GB_T_DC = "GB_T_DC"
    GB_T_AC = "GB_T_AC"
    CCS2 = "CCS2"
    TYPE2 = "TYPE2"
    CHADEMO = "CHADEMO"


FROM_OCPI: dict[ConnectorStandard, Standard] = {
    ConnectorStandard.GBT_DC: Standard.GB_T_DC,
    ConnectorStandard.GBT_AC: Standard.GB_T_AC,
    ConnectorStandard.IEC_62196_T2_COMBO: Standard.CCS2,
    ConnectorStandard.IEC_62196_T2: Standard.TYPE2,
    ConnectorStandard.CHADEMO: Standard.CHADEMO,
}


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Point(Args):
    lat: float = Field(ge=-90, le=90, description="latitude, WGS-84")
    lon: float = Field(ge=-180, le=180, description="longitude, WGS-84")


def _once_each(standards: list[Standard] | None) -> list[Standard] | None:
    if standards is not None and len(set(standards)) != len(standards):
        raise ValueError("each connector standard at most once")
    return standards


STATION_ID = "station id from charging_find_stations"
SESSION = "charging session id from charging_start_session"


class FindStationsArgs(Args):
    location: Point = Field(description="Search around this point.")
    radius_km: float = Field(
        default=10, gt=0, le=100, description="search radius (or corridor half-width along a route), km"
    )
    min_power_kw: float | None = Field(
        default=None, ge=0, le=1000, description="only stations with a connector at least this powerful"
    )
    connectors: Annotated[list[Standard] | None, AfterValidator(_once_each)] = Field(
        default=None,
        min_length=1,
        max_length=5,
        json_schema_extra={"uniqueItems": True},
        description="connector standards the vehicle accepts",
    )
    available_only: bool = Field(
        default=False, description="only stations with a free, working charge point now"
    )
    route: list[Annotated[Point, Field(description="A point of the route.")]] | None = Field(
        default=None,
        min_length=2,
        max_length=200,
        description="the planned route as points; results are sorted by detour",
    )
    limit: int = Field(default=10, ge=1, le=50)


class StationArgs(Args):
    station_id: str = Field(pattern=ID, description=STATION_ID)


class StartSessionArgs(Args):
    station_id: str = Field(pattern=ID, description=STATION_ID)
    evse_uid: str | None = Field(
        default=None,
        pattern=ID,
        description="a specific charge point (EVSE uid); the best free one if absent",
    )
    connector_id: str | None = Field(default=None, pattern=ID, description="a connector of that EVSE")
    payment_method_id: str | None = Field(
        default=None,
        pattern=ID,
        description="payment method (payments_list_methods) to pay with: a hold of the session's maximum "
        "cost is placed at start, the actual cost captured at stop; without it the operator bills the "
        "driver's own contract",
    )


class SessionArgs(Args):
    session_id: str = Field(pattern=SESSION_ID, description=SESSION)


class ConnectorView(BaseModel):
    standard: Standard
    power_kw: float
    status: str


class EvseConnectorView(BaseModel):
    id: str
    standard: Standard
    power_kw: float


class EvseView(BaseModel):
    uid: str
    status: str
    connectors: list[EvseConnectorView]


class Estimate(BaseModel):
    kwh: float
    cost: Money


class PriceView(BaseModel):
    currency: str
    per_kwh: Money
    flat: Money | None = None
    per_hour: Money | None = None
    estimate: Estimate


class StationView(BaseModel):
    id: str
    name: str
    operator: str
    address: str
    city: str
    location: Point
    distance_km: float | None = None
    detour_km: float | None = None
    max_power_kw: float
    available_evses: int
    total_evses: int
    connectors: list[ConnectorView]
    price: PriceView | None
    evses: list[EvseView] | None = None


class Stations(BaseModel):
    stations: list[StationView]


class OneStation(BaseModel):
    station: StationView


class SessionStatus(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    STOPPING = "STOPPING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class SessionPayment(BaseModel):
    """The pre-authorization behind a session: held at start, captured (or released) at stop."""

    id: str = Field(description="payment id (payments_get_payment)")
    status: Literal["processing", "requires_capture", "succeeded", "canceled", "failed"]
    hold: Money
    captured: Money | None = None


class ChargingSession(BaseModel):
    """A driver's charging session as the charging table keeps it."""

    id: str
    owner: str
    status: SessionStatus
    station_id: str
    evse_uid: str
    connector_id: str
    operation_id: str
    created_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    kwh: Decimal | None = None
    cost: Money | None = None
    failure: str | None = None
    payment: SessionPayment | None = None


class SessionView(BaseModel):
    id: str
    status: SessionStatus
    station_id: str
    evse_uid: str
    connector_id: str
    started_at: datetime | None
    ended_at: datetime | None
    kwh: float | None
    cost: Money | None
    payment: SessionPayment | None = Field(
        default=None,
        description="the hold placed at start when a payment method was given, and what the stop captured",
    )

    @classmethod
    def of(cls, s: ChargingSession) -> SessionView:
        return cls(
            id=s.id,
            status=s.status,
            station_id=s.station_id,
            evse_uid=s.evse_uid,
            connector_id=s.connector_id,
            started_at=s.started_at,
            ended_at=s.ended_at,
            kwh=None if s.kwh is None else float(s.kwh),
            cost=s.cost,
            payment=s.payment,
        )


class OneSession(BaseModel):
    session: SessionView


class OcpiAck(BaseModel):
    """OCPI's response envelope, as the CPO expects it back from a callback."""

    status_code: int = 1000
    status_message: str = "Success"
    timestamp: datetime
