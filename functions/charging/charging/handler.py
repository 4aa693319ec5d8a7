"""Routes only: the charging tools (ToolInvocation events) and the OCPI CommandResult callback."""

from __future__ import annotations

import base64
import hmac
from datetime import UTC, datetime
from typing import Any

from charging.models import (
    FindStationsArgs,
    OcpiAck,
    OneSession,
    OneStation,
    SessionArgs,
    StartSessionArgs,
    StationArgs,
    Stations,
)
from charging.ports import CommandResult
from charging.wiring import credentials, service
from cockpit.api import Api, Request
from cockpit.errors import Unauthorized
from cockpit.observability import logger
from cockpit.tools.handlers import ToolHandlers
from cockpit.tools.model import ToolInvocation, ToolResult

tools = ToolHandlers()
app = Api("Cockpit Gateway charging callbacks")


@tools.tool("charging_find_stations", FindStationsArgs)
def find_stations(_inv: ToolInvocation, args: FindStationsArgs) -> Stations:
    return service().find_stations(args)


@tools.tool("charging_get_station", StationArgs)
def get_station(_inv: ToolInvocation, args: StationArgs) -> OneStation:
    return service().get_station(args)


@tools.tool(
    "charging_start_session", StartSessionArgs, preview=lambda inv, a: service().describe_start(inv, a)
)
def start_session(inv: ToolInvocation, args: StartSessionArgs) -> ToolResult:
    return service().start_session(inv, args)


@tools.tool("charging_stop_session", SessionArgs)
def stop_session(inv: ToolInvocation, args: SessionArgs) -> OneSession:
    return service().stop_session(inv, args)


@tools.tool("charging_get_session", SessionArgs)
def get_session(inv: ToolInvocation, args: SessionArgs) -> OneSession:
    return service().get_session(inv, args)


@app.route(
    "POST",
    "/ocpi/emsp/2.2.1/commands/{command}/{uid}",
    summary="OCPI CommandResult",
    request=CommandResult,
    response=OcpiAck,
    problems=(400, 401, 404, 409, 422),
    tags=("ocpi",),
)
def command_result(req: Request) -> OcpiAck:
    expected = base64.b64encode(str(credentials()["emsp_token"]).encode()).decode()
    given = req.headers.get("authorization", "").removeprefix("Token ").strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized("a valid OCPI token (Authorization: Token …) is required")
    service().command_result(req.path_param("uid"), req.path_param("command"), req.parse(CommandResult))
    return OcpiAck(timestamp=datetime.now(UTC))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("kind") == "tool_invocation":
        return tools.handle(event)
    logger().set_correlation_id((event.get("requestContext") or {}).get("requestId"))
    return app(event, context)
