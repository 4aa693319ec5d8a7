"""The charging tools, declared once: `make catalog` writes cockpit/catalog/charging.json from these, and
charging.handler serves each with one handler."""

from __future__ import annotations

from typing import Any

from charging import models as m
from cockpit.tools.declaration import ToolDeclaration
from cockpit.tools.model import Effect

TARGET = "lambda:charging"

FIND_STATIONS = ToolDeclaration(
    name="charging_find_stations",
    title="Find charging stations",
    description="Find EV charging stations near a point, or along a route given as points (then sorted by"
    " detour). Filter by radius, minimum power, connector standards and current availability."
    " Each station carries its connectors, live availability and a price estimate from its "
    "tariff.",
    arguments=m.FindStationsArgs,
    result=m.Stations,
    effect=Effect.READ,
    target=TARGET,
)
GET_STATION = ToolDeclaration(
    name="charging_get_station",
    title="Charging station details",
    description="One charging station with every charge point (EVSE), its connectors, live status and "
    "tariff.",
    arguments=m.StationArgs,
    result=m.OneStation,
    effect=Effect.READ,
    target=TARGET,
)
START_SESSION = ToolDeclaration(
    name="charging_start_session",
    title="Start charging",
    description="Start a charging session at a station (optionally a specific EVSE and connector). Asks "
    "the driver to confirm first. Completes asynchronously: answers an operation to poll, "
    "whose result is the session.",
    arguments=m.StartSessionArgs,
    result=m.OneSession,
    effect=Effect.WRITE,
    target=TARGET,
    requires_confirmation=True,
    destructive=False,
    idempotent=False,
    long_running=True,
)
STOP_SESSION = ToolDeclaration(
    name="charging_stop_session",
    title="Stop charging",
    description="Stop an active charging session; answers the energy delivered and its cost (STOPPING "
    "until the operator confirms, when it answers later).",
    arguments=m.SessionArgs,
    result=m.OneSession,
    effect=Effect.WRITE,
    target=TARGET,
    destructive=True,
    idempotent=True,
)
GET_SESSION = ToolDeclaration(
    name="charging_get_session",
    title="Charging session status",
    description="The status of one of this vehicle's charging sessions.",
    arguments=m.SessionArgs,
    result=m.OneSession,
    effect=Effect.READ,
    target=TARGET,
)

DECLARED: tuple[ToolDeclaration[Any, Any], ...] = (
    FIND_STATIONS,
    GET_STATION,
    START_SESSION,
    STOP_SESSION,
    GET_SESSION,
)
