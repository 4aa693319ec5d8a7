"""The payments service over the Stripe adapter, against a small Stripe double (httpx.MockTransport)
that keeps PaymentIntents and answers a repeated Idempotency-Key with its first response, as Stripe
documents. A charge whose answer is lost on the way back (Stripe did it; we timed out) is asked again
with the same key after the lock: one PaymentIntent at Stripe, one payment here."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from cockpit.errors import IdempotencyInProgress, PaymentDeclined, UpstreamTimeout
from cockpit.money import Money
from cockpit.payment_commands import PaymentCommand
from cockpit.tools.model import Caller, Role, ToolInvocation
from cockpit_dev.template import Template
from payments.models import AmountArg, CreatePaymentArgs, PaymentStatus, RefundArgs
from payments.sandbox import SandboxMethods
from payments.service import PaymentsService
from payments.settings import CurrencyLimits
from payments.store import PaymentStore
from payments.stripe import StripeProcessor


class StripeDouble:
    """PaymentIntents and Refunds in memory; idempotent by key; can lose the answer to one request."""

    def __init__(self) -> None:
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.answers: dict[str, httpx.Response] = {}
        self.requests: list[httpx.Request] = []
        self.lose_next_answer = False
        self.refund_status = "succeeded"  # what a new refund answers first
        self._ids = itertools.count(1)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "GET" and request.url.path.startswith("/v1/refunds/"):
            found = self.refunds.get(request.url.path.rsplit("/", 1)[1])
            if found is None:
                return httpx.Response(404, json={"error": {"type": "invalid_request_error"}})
            return httpx.Response(200, json=found)
        key = request.headers["idempotency-key"]
        if key not in self.answers:
            self.answers[key] = self._do(request)
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return self.answers[key]

    def _do(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        path = request.url.path
        if path == "/v1/payment_intents":
            pid = f"pi_double{next(self._ids):04d}"
            manual = form["capture_method"] == "manual"
            amount = int(form["amount"])
            self.intents[pid] = {
                "id": pid,
                "object": "payment_intent",
                "amount": amount,
                "currency": form["currency"],
                "capture_method": form["capture_method"],
                "status": "requires_capture" if manual else "succeeded",
                "amount_capturable": amount if manual else 0,
                "amount_received": 0 if manual else amount,
                "metadata": {"payment_id": form["metadata[payment_id]"]},
            }
            return httpx.Response(200, json=self.intents[pid])
        if path.endswith("/capture"):
            intent = self.intents[path.split("/")[3]]
            intent.update(
                status="succeeded", amount_received=int(form["amount_to_capture"]), amount_capturable=0
            )
            return httpx.Response(200, json=intent)
        if path == "/v1/refunds":
            rid = f"re_double{next(self._ids):04d}"
            self.refunds[rid] = {
                "id": rid,
                "object": "refund",
                "amount": int(form["amount"]),
                "status": self.refund_status,
            }
            return httpx.Response(200, json=self.refunds[rid])
        return httpx.Response(
            404, json={"error": {"type": "invalid_request_error", "message": "no such path"}}
        )


@pytest.fixture
def stripe() -> StripeDouble:
    return StripeDouble()


@pytest.fixture
def payments(gateway: Template, stripe: StripeDouble) -> PaymentsService:
    client = httpx.Client(transport=httpx.MockTransport(stripe))
    processor = StripeProcessor(
        "sk_test_double", base_url="https://api.stripe.com", timeout_s=2, client=client
    )
    limits = {"CNY": CurrencyLimits(per_payment=200_000, per_day=500_000)}
    return PaymentsService(
        processor, SandboxMethods(), PaymentStore(gateway.tables["PaymentsTable"].name), limits
    )


def invocation(tool: str, arguments: dict[str, Any], key: str) -> ToolInvocation:
    return ToolInvocation(
        invocation_id="inv-1",
        tool=tool,
        arguments=arguments,
        caller=Caller(sub="vin-stripe", role=Role.VEHICLE),
        idempotency_key=key,
        confirmed=True,
    )


ARGS = CreatePaymentArgs(
    amount=AmountArg(amount=4550, currency="CNY"), merchant="shanghai_star_charging", purpose="charging"
)


def test_a_lost_answer_asked_again_is_one_payment_intent(
    payments: PaymentsService, stripe: StripeDouble
) -> None:
    now = [datetime.now(UTC)]
    payments.clock = lambda: now[0]
    inv = invocation("payments_create_payment", ARGS.model_dump(), "k-1")
    stripe.lose_next_answer = True
    with pytest.raises(UpstreamTimeout):
        payments.create_payment(inv, ARGS)
    assert len(stripe.intents) == 1  # Stripe did charge; we do not know yet
    with pytest.raises(IdempotencyInProgress):
        payments.create_payment(inv, ARGS)
    now[0] += timedelta(seconds=31)
    payment = payments.create_payment(inv, ARGS).payment
    assert payment.status is PaymentStatus.SUCCEEDED and payment.captured.amount == 4550
    assert len(stripe.intents) == 1
    keys = [r.headers["idempotency-key"] for r in stripe.requests]
    assert keys == [f"{payment.id}-charge"] * 2
    stored = payments.store.get(payment.id)
    assert stored is not None and stored.processor_ref == "pi_double0001"


def test_hold_capture_and_refund_through_stripe(payments: PaymentsService, stripe: StripeDouble) -> None:
    car = Caller(sub="vin-stripe", role=Role.VEHICLE)
    held = payments.command(
        car,
        "authorize",
        PaymentCommand(
            domain="charging",
            key="cs_1",
            amount=Money(amount=14160, currency="CNY"),
        ),
    ).payment
    assert held is not None and held.status == "requires_capture"
    captured = payments.command(
        car,
        "capture",
        PaymentCommand(
            domain="charging",
            payment_id=held.id,
            amount=Money(amount=8496, currency="CNY"),
        ),
    ).payment
    assert captured is not None and captured.captured.amount == 8496
    (intent,) = stripe.intents.values()
    assert intent["status"] == "succeeded" and intent["amount_received"] == 8496
    args = RefundArgs(payment_id=held.id, amount=AmountArg(amount=1000, currency="CNY"))
    refunded = payments.refund_payment(invocation("payments_refund_payment", args.model_dump(), "r-1"), args)
    assert refunded.refund.amount.amount == 1000 and refunded.payment.refunded.amount == 1000
    (refund,) = stripe.refunds.values()
    assert refund["amount"] == 1000
    assert [r.url.path for r in stripe.requests] == [
        "/v1/payment_intents",
        "/v1/payment_intents/pi_double0001/capture",
        "/v1/refunds",
    ]


def captured_payment(payments: PaymentsService, key: str) -> str:
    inv = invocation("payments_create_payment", ARGS.model_dump(), key)
    return payments.create_payment(inv, ARGS).payment.id


def test_a_refund_stripe_answers_pending_stays_pending_until_stripe_says_it_succeeded(
    payments: PaymentsService, stripe: StripeDouble
) -> None:
    pid = captured_payment(payments, "k-pending")
    stripe.refund_status = "pending"
    args = RefundArgs(payment_id=pid, amount=AmountArg(amount=1000, currency="CNY"))
    inv = invocation("payments_refund_payment", args.model_dump(), "r-pending")
    first = payments.refund_payment(inv, args)
    assert first.refund.status.value == "pending" and first.payment.refunded.amount == 0
    stored = payments.store.refund(pid, first.refund.id)
    assert stored is not None and stored.status.value == "pending" and stored.processor_ref == "re_double0002"
    again = payments.refund_payment(inv, args)  # asked again: Stripe still says pending; no second refund
    assert again.refund.status.value == "pending"
    (refund,) = stripe.refunds.values()
    refund["status"] = "succeeded"
    done = payments.refund_payment(inv, args)
    assert done.refund.status.value == "succeeded" and done.payment.refunded.amount == 1000
    assert len(stripe.refunds) == 1
    assert [r.method for r in stripe.requests].count("GET") == 2


def test_a_pending_refund_that_fails_gives_its_amount_back_to_refund(
    payments: PaymentsService, stripe: StripeDouble
) -> None:
    pid = captured_payment(payments, "k-fails")
    stripe.refund_status = "pending"
    args = RefundArgs(payment_id=pid, amount=AmountArg(amount=4550, currency="CNY"))
    inv = invocation("payments_refund_payment", args.model_dump(), "r-fails")
    assert payments.refund_payment(inv, args).refund.status.value == "pending"
    (refund,) = stripe.refunds.values()
    refund["status"] = "failed"
    with pytest.raises(PaymentDeclined):
        payments.refund_payment(inv, args)
    p = payments.store.get(pid)
    assert p is not None and p.refunded == 0 and p.refund_reserved == 0
    stored = payments.store.refund(pid, refund_id=refund_id_of(payments, pid))
    assert stored is not None and stored.status.value == "failed"


def refund_id_of(payments: PaymentsService, pid: str) -> str:
    (only,) = payments.store.refunds(pid)
    return only.id
