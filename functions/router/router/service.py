"""The router's logic: catalog listings, tool calls through the shared dispatcher, operation polling."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from cockpit import __version__
from cockpit.api import Response, json_bytes
from cockpit.dispatch.core import ToolCall
from cockpit.dispatch.models import InvokeResponse
from cockpit.dispatch.wiring import catalog, dispatcher
from cockpit.errors import NotFound, ProblemItem, ValidationFailed
from cockpit.operations import OperationStore
from cockpit.settings import get_settings, per_container
from cockpit.tools.catalog import first_party
from cockpit.tools.formats import Format, render
from cockpit.tools.model import Caller, Role, ToolSpec
from router.mcp import Exchange, McpServer
from router.models import Health, OperationView
from router.settings import RouterSettings

OPERATION_ID = re.compile(r"op_[a-f0-9]{24}")


@per_container
def operations() -> OperationStore:
    return OperationStore(get_settings(RouterSettings).operations_table)


def health() -> Health:
    return Health(status="ok", version=__version__)


def openapi(base_url: str | None = None) -> bytes:
    """The whole API's document (packaged with the layer), its `servers` naming the URL it was asked at."""
    from cockpit.openapi import served, served_at  # first use only

    return served() if base_url is None else served_at(base_url)


def parse_format(value: str | None) -> Format:
    try:
        return Format(value or Format.NATIVE.value)
    except ValueError:
        allowed = ", ".join(f.value for f in Format)
        raise ValidationFailed(
            f"format must be one of {allowed}",
            errors=[ProblemItem(parameter="format", message=f"must be one of {allowed}")],
        ) from None


def visible_tools(caller: Caller) -> list[ToolSpec]:
    """The tools this caller may use (api.md: the catalog lists what the caller may call)."""
    return catalog().visible_for(caller)


@cache
def first_party_listing(fmt: Format, role: Role) -> tuple[bytes, dict[str, Any]]:
    """The first-party listing, rendered and serialized once per container for each (format, role)."""
    rendered = render(fmt, first_party().visible_to(role))
    return json_bytes(rendered), rendered


def list_tools(fmt: Format, caller: Caller) -> bytes:
    """First-party tools (cached) plus the active partner tools this caller sees, read on every request
    so that a retired contract's tools are gone at once."""
    cached, rendered = first_party_listing(fmt, caller.role)
    extra = catalog().partner_tools_for(caller)
    if not extra:
        return cached
    more = render(fmt, extra)
    if fmt is Format.BEDROCK:
        tools = rendered["toolConfig"]["tools"] + more["toolConfig"]["tools"]
        return json_bytes({"toolConfig": {**rendered["toolConfig"], "tools": tools}})
    return json_bytes({**rendered, "tools": rendered["tools"] + more["tools"]})


def invoke(call: ToolCall) -> InvokeResponse:
    return dispatcher().invoke(call)


@per_container
def mcp_server() -> McpServer:
    return McpServer(list_tools=lambda caller: render(Format.MCP, visible_tools(caller)), invoke=invoke)


def mcp(exchange: Exchange) -> Response:
    answer = mcp_server().handle(exchange)
    return Response(answer.status, answer.body)


def get_operation(operation_id: str, caller: Caller) -> OperationView:
    op = operations().get(operation_id) if OPERATION_ID.fullmatch(operation_id) else None
    if op is None or op.owner != caller.sub:  # someone else's operation does not exist for this caller
        raise NotFound(f"operation {operation_id} not found")
    return OperationView(
        id=op.id,
        tool=op.tool,
        status=op.status,
        poll=f"/v1/operations/{op.id}",
        result=op.result,
        error=op.error,
    )
