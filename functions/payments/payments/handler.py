"""Routes only: the payments tools (ToolInvocation events) and payment commands from other domains."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from cockpit import deadline, reconcile
from cockpit.errors import ProblemError, from_pydantic
from cockpit.observability import log_crash, logger
from cockpit.payments_client import CommandAnswer, PaymentCommand
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


def payment_command(event: dict[str, Any]) -> dict[str, Any]:
    try:
        answer = service().command(PaymentCommand.model_validate(event))
    except ValidationError as exc:
        answer = CommandAnswer(status="failed", error=from_pydantic(exc).problem())
    except ProblemError as exc:
        logger().info("payment command refused", extra={"action": event.get("action"), "status": exc.status})
        answer = CommandAnswer(status="failed", error=exc.problem())
    except Exception as exc:
        log_crash("payment command crashed", exc, action=str(event.get("action")))
        answer = CommandAnswer(status="failed", error=ProblemError("payment command failed").problem())
    return answer.model_dump(mode="json", exclude_none=True)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("kind") == "payment_command":
        deadline.start(context)
        return payment_command(event)
    if event.get("kind") == "reconcile":  # the reconciler, on its schedule
        deadline.start(context)
        return reconcile.handle(event, lambda r: service().reconcile(timedelta(seconds=r.older_than_s)))
    return tools.handle(event, context)
