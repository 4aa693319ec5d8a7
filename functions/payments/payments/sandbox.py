"""The sandbox processor and methods: deterministic, no state, no network.

Like card networks' test numbers, magic amounts (minor units, the last four digits) choose the outcome
of any call that carries an amount (charge, capture, refund):

- ...0402 declines (a card decline: nothing moved),
- ...0500 fails (the processor's own error: nothing moved),
- ...0502 answers garbage (outcome unknown until asked again),
- ...0504 times out (outcome unknown until asked again);
- ...0202 leaves a refund `pending` (as Stripe's may be for days); asked later, it has succeeded;
- anything else succeeds.

The same idempotency key always answers the same reference, as a real processor's would.
"""

from __future__ import annotations

import hashlib

from cockpit.money import Money
from payments.ports import (
    ChargeRequest,
    PaymentMethod,
    ProcessorDeclined,
    ProcessorFailed,
    ProcessorPayment,
    ProcessorRefund,
    ProcessorUnknown,
)

DECLINE, FAIL, GARBAGE, TIMEOUT = 402, 500, 502, 504
PENDING_REFUND = 202

# Every vehicle has the same four sandbox methods; their ids are Stripe's own test PaymentMethods.
SANDBOX_METHODS = (
    PaymentMethod(id="pm_card_visa", type="card", brand="Visa", last4="4242", default=True),
    PaymentMethod(id="pm_card_mastercard", type="card", brand="Mastercard", last4="4444"),
    PaymentMethod(id="pm_alipay", type="alipay"),
    PaymentMethod(id="pm_wechat_pay", type="wechat_pay"),
)


class SandboxMethods:
    def methods(self, owner: str) -> tuple[PaymentMethod, ...]:
        return SANDBOX_METHODS


def _ref(prefix: str, key: str) -> str:
    return prefix + hashlib.sha256(key.encode()).hexdigest()[:24]


def _outcome(amount: Money, what: str) -> None:
    magic = amount.amount % 10_000
    if magic == DECLINE:
        raise ProcessorDeclined(f"the sandbox card network declined the {what} (magic amount …0402)")
    if magic == FAIL:
        raise ProcessorFailed(f"the sandbox processor failed the {what} (magic amount …0500)")
    if magic == GARBAGE:
        raise ProcessorUnknown(f"the sandbox processor answered garbage to the {what}", timed_out=False)
    if magic == TIMEOUT:
        raise ProcessorUnknown(f"the sandbox processor did not answer the {what} in time", timed_out=True)


class SandboxProcessor:
    name = "sandbox"

    def charge(self, request: ChargeRequest) -> ProcessorPayment:
        _outcome(request.amount, "payment")
        ref = _ref("sbxpi_", request.idempotency_key)
        if request.capture == "manual":
            return ProcessorPayment(
                ref=ref, status="requires_capture", capturable=request.amount.amount, received=0
            )
        return ProcessorPayment(ref=ref, status="succeeded", capturable=0, received=request.amount.amount)

    def capture(self, ref: str, amount: Money, idempotency_key: str) -> ProcessorPayment:
        _outcome(amount, "capture")
        return ProcessorPayment(ref=ref, status="succeeded", capturable=0, received=amount.amount)

    def cancel(self, ref: str, idempotency_key: str) -> ProcessorPayment:
        return ProcessorPayment(ref=ref, status="canceled", capturable=0, received=0)

    def refund(self, ref: str, amount: Money, idempotency_key: str) -> ProcessorRefund:
        _outcome(amount, "refund")
        pending = amount.amount % 10_000 == PENDING_REFUND
        status = "pending" if pending else "succeeded"
        return ProcessorRefund(ref=_ref("sbxre_", idempotency_key), amount=amount.amount, status=status)

    def refund_status(self, ref: str, amount: Money) -> ProcessorRefund:
        return ProcessorRefund(ref=ref, amount=amount.amount, status="succeeded")
