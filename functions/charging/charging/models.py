"""The charging tools' arguments and results (the JSON Schemas in the catalog say the same)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

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
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class FindStationsArgs(Args):
    location: Point
    radius_km: float = Field(default=10, gt=0, le=100)
    min_power_kw: float | None = Field(default=None, ge=0, le=1000)
    connectors: list[Standard] | None = Field(default=None, min_length=1, max_length=5)
    available_only: bool = False
    route: list[Point] | None = Field(default=None, min_length=2, max_length=200)
    limit: int = Field(default=10, ge=1, le=50)


class StationArgs(Args):
    station_id: str = Field(pattern=ID)


class StartSessionArgs(Args):
    station_id: str = Field(pattern=ID)
    evse_uid: str | None = Field(default=None, pattern=ID)
    connector_id: str | None = Field(default=None, pattern=ID)
    payment_method_id: str | None = Field(default=None, pattern=ID)


class SessionArgs(Args):
    session_id: str = Field(pattern=SESSION_ID)


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

    id: str
    status: str
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
    payment: SessionPayment | None = None

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
