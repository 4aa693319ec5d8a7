"""Routes only: the payments tools, and the payment commands other domains send (`cockpit.internal`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cockpit.payment_commands import ACTIONS, Action, CommandResult, PaymentCommand, command_name
from cockpit.reconcile import COMMAND, ReconcileAnswer, ReconcileRequest
from cockpit.tools.handlers import ToolHandlers
from cockpit.tools.model import ToolInvocation
from payments import models as m
from payments import tools as declared
from payments.wiring import service

tools = ToolHandlers()


@tools.serve(declared.LIST_METHODS)
def list_methods(inv: ToolInvocation, args: m.ListMethodsArgs) -> m.Methods:
    return service().list_methods(inv, args)


@tools.serve(declared.CREATE_PAYMENT, preview=lambda inv, a: service().describe_create(inv, a))
def create_payment(inv: ToolInvocation, args: m.CreatePaymentArgs) -> m.OnePayment:
    return service().create_payment(inv, args)


@tools.serve(declared.GET_PAYMENT)
def get_payment(inv: ToolInvocation, args: m.PaymentArgs) -> m.OnePayment:
    return service().get_payment(inv, args)


@tools.serve(declared.REFUND_PAYMENT, preview=lambda inv, a: service().describe_refund(inv, a))
def refund_payment(inv: ToolInvocation, args: m.RefundArgs) -> m.RefundResult:
    return service().refund_payment(inv, args)


def _command(action: Action) -> None:
    @tools.command(command_name(action), PaymentCommand)
    def perform(inv: ToolInvocation, args: PaymentCommand) -> CommandResult:
        return service().command(inv.caller, action, args, inv.locale)


for _action in ACTIONS:  # charging and booking hold, capture and refund through these
    _command(_action)


@tools.command(COMMAND, ReconcileRequest)  # the reconciler, on its schedule
def reconcile(_inv: ToolInvocation, args: ReconcileRequest) -> ReconcileAnswer:
    return service().reconcile(timedelta(seconds=args.older_than_s))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return tools.handle(event, context)
