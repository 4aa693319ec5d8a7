"""The router's logic: catalog listings, tool calls through the shared dispatcher, operation polling."""

from __future__ import annotations

import re
from functools import cache

from cockpit import __version__
from cockpit.api import json_bytes
from cockpit.dispatch.core import ToolCall
from cockpit.dispatch.models import InvokeResponse
from cockpit.dispatch.wiring import dispatcher
from cockpit.errors import NotFound, ProblemItem, ValidationFailed
from cockpit.operations import OperationStore
from cockpit.settings import get_settings, per_container
from cockpit.tools.catalog import first_party
from cockpit.tools.formats import Format, render
from cockpit.tools.model import Caller, Role
from router.models import Health, OperationView
from router.settings import RouterSettings

OPERATION_ID = re.compile(r"op_[a-f0-9]{24}")


@per_container
def operations() -> OperationStore:
    return OperationStore(get_settings(RouterSettings).operations_table)


def health() -> Health:
    return Health(status="ok", version=__version__)


def parse_format(value: str | None) -> Format:
    try:
        return Format(value or Format.NATIVE.value)
    except ValueError:
        allowed = ", ".join(f.value for f in Format)
        raise ValidationFailed(
            f"format must be one of {allowed}",
            errors=[ProblemItem(parameter="format", message=f"must be one of {allowed}")],
        ) from None


@cache
def list_tools(fmt: Format, role: Role) -> bytes:
    """The listing, rendered and serialized once per container for each (format, role)."""
    return json_bytes(render(fmt, first_party().visible_to(role)))


def invoke(call: ToolCall) -> InvokeResponse:
    return dispatcher().invoke(call)


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
