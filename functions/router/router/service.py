"""The router's logic: catalog listings, tool calls through the shared dispatcher, operation polling."""

from __future__ import annotations

from functools import cache
from typing import Any

from cockpit import __version__
from cockpit.api import Response, json_bytes
from cockpit.dispatch.core import ToolCall
from cockpit.dispatch.models import InvokeResponse
from cockpit.dispatch.wiring import catalog, dispatcher
from cockpit.errors import ProblemItem, ValidationFailed
from cockpit.operations import OperationStore, owned, view
from cockpit.settings import get_settings, per_container
from cockpit.tools.catalog import first_party
from cockpit.tools.formats import Format, render
from cockpit.tools.model import Caller, Role, ToolSpec
from router.mcp import Exchange, McpServer
from router.mcp_tools import McpTools
from router.models import Health, OperationView
from router.request_state import StateSealer
from router.settings import RouterSettings


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
def state_sealer() -> StateSealer:
    """requestState's key: derived from the gateway's own secret (Secrets Manager), read on first use."""
    from cockpit.partners.secrets import SecretsManagerReader

    arn, reader = get_settings(RouterSettings).mcp_state_secret_arn, SecretsManagerReader()
    return StateSealer(lambda: reader.field(arn, "key").encode())


@per_container
def mcp_server() -> McpServer:
    return McpServer(
        list_tools=lambda caller: render(Format.MCP, visible_tools(caller)),
        tools=McpTools(dispatch=lambda: dispatcher(), sealer=state_sealer),  # looked up per call
    )


def mcp(exchange: Exchange) -> Response:
    answer = mcp_server().handle(exchange)
    return Response(answer.status, answer.body)


def get_operation(operation_id: str, caller: Caller) -> OperationView:
    return OperationView.model_validate(view(owned(operations(), operation_id, caller.sub)))
