"""The simulated CPO: the sandbox data set, live EVSE occupancy from `EvseStates`, instant answers.

A real CPO answers a command with ACCEPTED and posts the outcome to `response_url` later; the
sandbox knows the outcome at once and returns it as `immediate_result`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from charging import pricing, sandbox_data
from charging.ports import (
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    Connector,
    Evse,
    EvseStates,
    EvseStatus,
    Location,
    PowerType,
    StartCommand,
    StopCommand,
    Tariff,
    Usage,
)
from cockpit.clock import utcnow

# The simulated car: what it accepts, how its charging curve averages out, how much it can take.
VEHICLE_MAX_DC_KW = Decimal(150)
VEHICLE_MAX_AC_KW = Decimal(11)
DC_CURVE_FACTOR = Decimal("0.8")  # DC tapers off as the battery fills
AC_CURVE_FACTOR = Decimal("0.95")
BATTERY_KWH = Decimal(80)

_IN_SERVICE = frozenset({EvseStatus.AVAILABLE, EvseStatus.CHARGING, EvseStatus.BLOCKED, EvseStatus.RESERVED})
_WH = Decimal("0.001")


class SandboxOperator:
    """`ChargePointOperator` over the deterministic sandbox data set."""

    def __init__(self, states: EvseStates, clock: Callable[[], datetime] = utcnow) -> None:
        self._states = states
        self._clock = clock

    def locations(self) -> tuple[Location, ...]:
        overrides = self._states.overrides()
        return tuple(_overlay(location, overrides) for location in sandbox_data.locations())

    def location(self, location_id: str) -> Location | None:
        found = sandbox_data.location(location_id)
        return _overlay(found, self._states.overrides()) if found else None

    def tariff(self, tariff_id: str) -> Tariff | None:
        return sandbox_data.tariff(tariff_id)

    def start_session(self, command: StartCommand) -> CommandResponse:
        evse, connector = _target(command.location_id, command.evse_uid, command.connector_id)
        if evse is None or connector is None:
            return CommandResponse(result=CommandResponseType.REJECTED, message=_unknown(command, evse))
        if evse.status not in _IN_SERVICE:
            return _answered(CommandResultType.EVSE_INOPERATIVE, f"EVSE {evse.uid} is {evse.status}")
        # A statically busy EVSE (another driver in the data set) is as taken as one held in `states`.
        if evse.status is not EvseStatus.AVAILABLE or not self._states.occupy(evse.uid, command.session_id):
            return _answered(CommandResultType.EVSE_OCCUPIED, f"EVSE {evse.uid} is in use")
        return _answered(CommandResultType.ACCEPTED)

    def stop_session(self, command: StopCommand) -> CommandResponse:
        if not self._states.release(command.evse_uid, command.session_id):
            return CommandResponse(
                result=CommandResponseType.UNKNOWN_SESSION,
                message=f"no session {command.session_id} on EVSE {command.evse_uid}",
            )
        return _answered(CommandResultType.ACCEPTED)

    def started(self, command: StopCommand) -> bool:
        return self._states.holder(command.evse_uid) == command.session_id

    def usage(self, command: StopCommand) -> Usage:
        """Energy from the elapsed time at the connector's power (as the car takes it), then cost."""
        now = self._clock()
        _, connector = _target(command.location_id, command.evse_uid, command.connector_id)
        elapsed_h = Decimal(str(max((now - command.started_at).total_seconds(), 0.0))) / 3600
        if connector is None:
            return Usage(kwh=Decimal(0), cost=None, ended_at=now)
        rate_kw = _charging_rate_kw(connector)
        kwh = min(rate_kw * elapsed_h, BATTERY_KWH).quantize(_WH, rounding=ROUND_HALF_UP)
        charging_h = min(kwh / rate_kw, elapsed_h) if rate_kw else elapsed_h
        tariff = next(filter(None, map(sandbox_data.tariff, connector.tariff_ids)), None)
        cost = pricing.cost(tariff, kwh, charging_h * 60, (elapsed_h - charging_h) * 60) if tariff else None
        return Usage(kwh=kwh, cost=cost, ended_at=now)


def _overlay(location: Location, overrides: dict[str, EvseStatus]) -> Location:
    if not any(evse.uid in overrides for evse in location.evses):
        return location
    evses = tuple(
        evse.model_copy(update={"status": overrides[evse.uid]}) if evse.uid in overrides else evse
        for evse in location.evses
    )
    return location.model_copy(update={"evses": evses})


def _target(location_id: str, evse_uid: str, connector_id: str) -> tuple[Evse | None, Connector | None]:
    """The EVSE and connector a command names, as the data set has them (None where unknown)."""
    location = sandbox_data.location(location_id)
    evse = next((e for e in location.evses if e.uid == evse_uid), None) if location else None
    connector = next((c for c in evse.connectors if c.id == connector_id), None) if evse else None
    return evse, connector


def _unknown(command: StartCommand, evse: Evse | None) -> str:
    if sandbox_data.location(command.location_id) is None:
        return f"unknown location {command.location_id}"
    if evse is None:
        return f"location {command.location_id} has no EVSE {command.evse_uid}"
    return f"EVSE {command.evse_uid} has no connector {command.connector_id}"


def _answered(result: CommandResultType, message: str | None = None) -> CommandResponse:
    return CommandResponse(
        result=CommandResponseType.ACCEPTED,
        immediate_result=CommandResult(result=result, message=message),
    )


def _charging_rate_kw(connector: Connector) -> Decimal:
    """Average power over a session: the connector's, capped by the car, times the curve factor."""
    connector_kw = Decimal(connector.max_electric_power) / 1000
    if connector.power_type is PowerType.DC:
        return min(connector_kw, VEHICLE_MAX_DC_KW) * DC_CURVE_FACTOR
    return min(connector_kw, VEHICLE_MAX_AC_KW) * AC_CURVE_FACTOR
