"""Routes only: the charging tools, the reconciler's command (`cockpit.internal`), the OCPI callback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from charging import models as m
from charging import tools as declared
from charging.ports import CommandResult
from charging.wiring import check_ocpi_token, service
from cockpit.api import Api, Request
from cockpit.reconcile import COMMAND, ReconcileAnswer, ReconcileRequest
from cockpit.tools.handlers import ToolHandlers
from cockpit.tools.model import ToolInvocation, ToolResult

tools = ToolHandlers()
app = Api("Cockpit Gateway charging callbacks")


@tools.serve(declared.FIND_STATIONS)
def find_stations(inv: ToolInvocation, args: m.FindStationsArgs) -> m.Stations:
    return service().find_stations(args, inv.locale)


@tools.serve(declared.GET_STATION)
def get_station(_inv: ToolInvocation, args: m.StationArgs) -> m.OneStation:
    return service().get_station(args)


@tools.serve(declared.START_SESSION, preview=lambda inv, a: service().describe_start(inv, a))
def start_session(inv: ToolInvocation, args: m.StartSessionArgs) -> ToolResult:
    return service().start_session(inv, args)


@tools.serve(declared.STOP_SESSION)
def stop_session(inv: ToolInvocation, args: m.SessionArgs) -> m.OneSession:
    return service().stop_session(inv, args)


@tools.serve(declared.GET_SESSION)
def get_session(inv: ToolInvocation, args: m.SessionArgs) -> m.OneSession:
    return service().get_session(inv, args)


@app.route("POST", "/ocpi/emsp/2.2.1/commands/{command}/{uid}", summary="OCPI CommandResult",
           request=CommandResult, response=m.OcpiAck, problems=(400, 401, 404, 409, 422),
           tags=("ocpi",))  # fmt: skip
def command_result(req: Request) -> m.OcpiAck:
    check_ocpi_token(req.headers.get("authorization"))
    service().command_result(req.path_param("uid"), req.path_param("command"), req.parse(CommandResult))
    return m.OcpiAck(timestamp=datetime.now(UTC))


@tools.command(COMMAND, ReconcileRequest)  # the reconciler, on its schedule
def reconcile(_inv: ToolInvocation, args: ReconcileRequest) -> ReconcileAnswer:
    return service().reconcile(timedelta(seconds=args.older_than_s))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("kind") in ("tool_invocation", "command"):  # cockpit.internal's envelope
        return tools.handle(event, context)
    return app(event, context)
