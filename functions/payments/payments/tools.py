"""The payments tools, declared once: `make catalog` writes cockpit/catalog/payments.json from these, and
payments.handler serves each with one handler."""

from __future__ import annotations

from typing import Any

from cockpit.tools.declaration import ToolDeclaration
from cockpit.tools.model import Effect
from payments import models as m

TARGET = "lambda:payments"

LIST_METHODS = ToolDeclaration(
    name="payments_list_methods",
    title="List payment methods",
    description="The driver's tokenized payment methods (cards by brand and last four digits, Alipay, WeChat "
    "Pay), the default first. Never a card number.",
    arguments=m.ListMethodsArgs,
    result=m.Methods,
    effect=Effect.READ,
    target=TARGET,
)
CREATE_PAYMENT = ToolDeclaration(
    name="payments_create_payment",
    title="Pay a merchant",
    description="Pay an amount (minor units, an accepted ISO 4217 currency) to a merchant (a first-party "
    "domain or a partner id) for a purpose, with a method (the default if absent). Capture 'automatic' "
    "charges at once; 'manual' only places a hold. Always asks the driver to confirm first; per-payment and "
    "rolling 24-hour limits apply per vehicle.",
    arguments=m.CreatePaymentArgs,
    result=m.OnePayment,
    effect=Effect.PAYMENT,
    target=TARGET,
    requires_confirmation=True,
    destructive=True,
    idempotent=False,
)
GET_PAYMENT = ToolDeclaration(
    name="payments_get_payment",
    title="Get a payment",
    description="A payment of this vehicle: its status and amounts (authorized, captured, refunded).",
    arguments=m.PaymentArgs,
    result=m.OnePayment,
    effect=Effect.READ,
    target=TARGET,
)
REFUND_PAYMENT = ToolDeclaration(
    name="payments_refund_payment",
    title="Refund a payment",
    description="Refund a captured payment in full (no amount) or in part. Asks the driver to confirm first. "
    "All refunds of a payment together never exceed what was captured.",
    arguments=m.RefundArgs,
    result=m.RefundResult,
    effect=Effect.PAYMENT,
    target=TARGET,
    requires_confirmation=True,
    destructive=True,
    idempotent=False,
)

DECLARED: tuple[ToolDeclaration[Any, Any], ...] = (LIST_METHODS, CREATE_PAYMENT, GET_PAYMENT, REFUND_PAYMENT)
