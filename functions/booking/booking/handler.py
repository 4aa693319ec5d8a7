"""Routes only: the booking tools (ToolInvocation events) and the reconciler's `reconcile.settle` command."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from booking import models as m
from booking import tools as declared
from booking.wiring import service
from cockpit.reconcile import COMMAND, ReconcileAnswer, ReconcileRequest
from cockpit.tools.handlers import ToolHandlers
from cockpit.tools.model import ToolInvocation

tools = ToolHandlers()


@tools.serve(declared.SEARCH_AVAILABILITY)
def search_availability(inv: ToolInvocation, args: m.SearchArgs) -> m.Availability:
    return service().search(inv, args)


@tools.serve(declared.CREATE_RESERVATION, preview=lambda inv, a: service().describe_create(inv, a))
def create_reservation(inv: ToolInvocation, args: m.CreateArgs) -> m.OneReservation:
    return service().create(inv, args)


@tools.serve(declared.CANCEL_RESERVATION)
def cancel_reservation(inv: ToolInvocation, args: m.ReservationArgs) -> m.OneReservation:
    return service().cancel(inv, args)


@tools.serve(declared.LIST_RESERVATIONS)
def list_reservations(inv: ToolInvocation, args: m.ListArgs) -> m.Reservations:
    return service().list(inv, args)


@tools.command(COMMAND, ReconcileRequest)  # the reconciler, on its schedule
def reconcile(_inv: ToolInvocation, args: ReconcileRequest) -> ReconcileAnswer:
    return service().reconcile(timedelta(seconds=args.older_than_s))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return tools.handle(event, context)
