"""The charge point operator (CPO) port and its OCPI 2.2.1-shaped domain.

Adapters: `sandbox` (a simulated CPO with a deterministic data set) and `ocpi` (a real OCPI 2.2.1
eMSP client). The service speaks only to this port; the shapes follow OCPI 2.2.1 Locations, EVSEs,
Connectors, Tariffs, Commands and Sessions, trimmed to what the gateway uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from cockpit.money import Money

if TYPE_CHECKING:
    from charging.models import ChargingSession, SessionStatus


class ConnectorStandard(StrEnum):
    """OCPI ConnectorType values the data sets use."""

    GBT_DC = "GBT_DC"
    GBT_AC = "GBT_AC"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO"  # CCS2
    IEC_62196_T2 = "IEC_62196_T2"  # Type 2 AC
    CHADEMO = "CHADEMO"


class PowerType(StrEnum):
    AC_1_PHASE = "AC_1_PHASE"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"


class EvseStatus(StrEnum):
    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


class TariffDimension(StrEnum):
    ENERGY = "ENERGY"  # per kWh
    FLAT = "FLAT"  # per session
    TIME = "TIME"  # per hour charging
    PARKING_TIME = "PARKING_TIME"  # per hour not charging


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class GeoPoint(Model):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Connector(Model):
    id: str
    standard: ConnectorStandard
    power_type: PowerType
    max_electric_power: int = Field(ge=0, description="watts")
    tariff_ids: tuple[str, ...] = ()


class Evse(Model):
    uid: str
    evse_id: str | None = None
    status: EvseStatus
    connectors: tuple[Connector, ...]


class Location(Model):
    id: str
    name: str
    address: str
    city: str
    country_code: str
    coordinates: GeoPoint
    operator: str
    time_zone: str
    evses: tuple[Evse, ...]
    last_updated: datetime


class PriceComponent(Model):
    type: TariffDimension
    price: Decimal = Field(ge=0, description="excl. VAT, major units per unit of the dimension")
    vat: Decimal | None = None
    step_size: int = 1


class Tariff(Model):
    id: str
    currency: str
    elements: tuple[tuple[PriceComponent, ...], ...]


class CommandResponseType(StrEnum):
    """OCPI CommandResponseType: the CPO's immediate answer to a command."""

    ACCEPTED = "ACCEPTED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class CommandResultType(StrEnum):
    """OCPI CommandResultType: the outcome the CPO reports later, at response_url."""

    ACCEPTED = "ACCEPTED"
    CANCELED_RESERVATION = "CANCELED_RESERVATION"
    EVSE_OCCUPIED = "EVSE_OCCUPIED"
    EVSE_INOPERATIVE = "EVSE_INOPERATIVE"
    FAILED = "FAILED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    TIMEOUT = "TIMEOUT"
    UNKNOWN_RESERVATION = "UNKNOWN_RESERVATION"


class CommandResult(Model):
    result: CommandResultType
    message: str | None = None


class CommandResponse(Model):
    result: CommandResponseType
    timeout: int = 30
    message: str | None = None
    # A simulated CPO may already know the outcome; a real one posts it to response_url later.
    immediate_result: CommandResult | None = None


class StartCommand(Model):
    """What the service asks the CPO to start (our session id is OCPI's authorization_reference)."""

    session_id: str
    location_id: str
    evse_uid: str
    connector_id: str
    response_url: str
    token_uid: str = Field(description="pseudonymous id of the driver's token")


class StopCommand(Model):
    session_id: str
    location_id: str
    evse_uid: str
    connector_id: str
    started_at: datetime
    response_url: str


class Usage(Model):
    """What a session consumed, as the CPO reports it (or the sandbox computes it)."""

    kwh: Decimal = Field(ge=0)
    cost: Money | None
    ended_at: datetime


class ChargePointOperator(Protocol):
    """The port: everything the charging service needs from a CPO."""

    def locations(self) -> Sequence[Location]:
        """Every location, with current EVSE status."""
        ...

    def location(self, location_id: str) -> Location | None: ...

    def tariff(self, tariff_id: str) -> Tariff | None: ...

    def start_session(self, command: StartCommand) -> CommandResponse: ...

    def stop_session(self, command: StopCommand) -> CommandResponse: ...

    def usage(self, command: StopCommand) -> Usage:
        """Energy and cost of a stopped (or stopping) session."""
        ...

    def started(self, command: StopCommand) -> bool:
        """Whether the CPO has a session for ours (a START whose answer never reached us may still have
        started one): the reconciler's question."""
        ...


class EvseStates(Protocol):
    """Persistent EVSE occupancy, for the simulated CPO (DynamoDB in production, a dict in tests)."""

    def overrides(self) -> dict[str, EvseStatus]:
        """EVSE uid -> status, for every EVSE whose status differs from the data set's."""
        ...

    def occupy(self, evse_uid: str, session_id: str) -> bool:
        """Mark the EVSE CHARGING for this session; False when it is already taken."""
        ...

    def release(self, evse_uid: str, session_id: str) -> bool:
        """Free the EVSE if this session holds it; False otherwise (released once only)."""
        ...

    def holder(self, evse_uid: str) -> str | None:
        """The session holding the EVSE, if any."""
        ...


class ChargingSessions(Protocol):
    """Charging sessions (store.SessionStore; an in-memory fake in tests). `also` carries other writes of
    the same transaction (the session's operation): all are written or none."""

    def get(self, session_id: str) -> ChargingSession | None: ...

    def stuck(self) -> tuple[ChargingSession, ...]:
        """Pending sessions, and failed or completed ones whose payment is still only held."""
        ...

    def create(self, session: ChargingSession, *also: dict[str, Any]) -> bool:
        """Create the session (and `also`) once; False if it already exists."""
        ...

    def transition(self, session: ChargingSession, expected: SessionStatus, *also: dict[str, Any]) -> None:
        """Write the session's new state if it is still `expected` (Conflict otherwise)."""
        ...

    def forget(self, session: ChargingSession, *also: dict[str, Any]) -> None:
        """Undo a session that never reached the CPO (with its operation)."""
        ...
