"""Routes only: the booking tools (ToolInvocation events) and the reconciler's `reconcile.settle` command."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from booking import models as m
from booking.wiring import service
from cockpit.reconcile import COMMAND, ReconcileAnswer, ReconcileRequest
from cockpit.tools.handlers import ToolHandlers
from cockpit.tools.model import ToolInvocation

tools = ToolHandlers()


@tools.tool("booking_search_availability", m.SearchArgs)
def search_availability(inv: ToolInvocation, args: m.SearchArgs) -> m.Availability:
    return service().search(inv, args)


@tools.tool(
    "booking_create_reservation", m.CreateArgs, preview=lambda inv, a: service().describe_create(inv, a)
)
def create_reservation(inv: ToolInvocation, args: m.CreateArgs) -> m.OneReservation:
    return service().create(inv, args)


@tools.tool("booking_cancel_reservation", m.ReservationArgs)
def cancel_reservation(inv: ToolInvocation, args: m.ReservationArgs) -> m.OneReservation:
    return service().cancel(inv, args)


@tools.tool("booking_list_reservations", m.ListArgs)
def list_reservations(inv: ToolInvocation, args: m.ListArgs) -> m.Reservations:
    return service().list(inv, args)


@tools.command(COMMAND, ReconcileRequest)  # the reconciler, on its schedule
def reconcile(_inv: ToolInvocation, args: ReconcileRequest) -> ReconcileAnswer:
    return service().reconcile(timedelta(seconds=args.older_than_s))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return tools.handle(event, context)
