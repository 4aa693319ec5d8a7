"""Payments under real concurrency, against a real AWS endpoint (moto server by default): one charge for
twenty identical confirmed calls, a daily limit two payments cannot pass together, refunds that never add
up to more than was captured, and a hold that is either captured or canceled, never both."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from charging.store import SessionStore
from cockpit.errors import (
    IdempotencyInProgress,
    PaymentLimitExceeded,
    PaymentStateConflict,
    RefundExceedsCaptured,
    UpstreamTimeout,
)
from cockpit.money import Money
from cockpit.payment_commands import PaymentCommand
from cockpit.settings import reset_container
from cockpit.tools.model import Caller, Role, ToolInvocation
from cockpit_dev.template import Template
from payments.models import AmountArg, CreatePaymentArgs, OnePayment, PaymentStatus, RefundArgs
from payments.ports import ChargeRequest, ProcessorPayment, ProcessorRefund, ProcessorUnknown
from payments.sandbox import SandboxMethods, SandboxProcessor
from payments.service import PaymentsService
from payments.settings import CurrencyLimits
from payments.store import PaymentStore
from tests.integration.test_concurrency import race
from tests.support import events
from tests.support.aws import WIDE_LIMITS, serve_lambda_in_process
from tests.support.wiring import wire

N = 20


class CountingProcessor(SandboxProcessor):
    """The sandbox, counting what it was asked, and slow enough that racers overlap."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _count(self, what: str) -> None:
        with self._lock:
            self.calls[what] += 1
        time.sleep(0.05)

    def charge(self, request: ChargeRequest) -> ProcessorPayment:
        self._count("charge")
        return super().charge(request)

    def capture(self, ref: str, amount: Money, idempotency_key: str) -> ProcessorPayment:
        self._count("capture")
        return super().capture(ref, amount, idempotency_key)

    def cancel(self, ref: str, idempotency_key: str) -> ProcessorPayment:
        self._count("cancel")
        return super().cancel(ref, idempotency_key)

    def refund(self, ref: str, amount: Money, idempotency_key: str) -> ProcessorRefund:
        self._count("refund")
        return super().refund(ref, amount, idempotency_key)


LIMITS = {"CNY": CurrencyLimits(per_payment=50_000, per_day=100_000)}


@pytest.fixture(autouse=True)
def _transactions_isolated_as_dynamodb_isolates_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB runs a TransactWriteItems atomically and in isolation. moto's server does not: it applies
    the items one by one and, when a condition fails, restores a copy of the table taken before, so two
    concurrent transactions can resurrect or drop each other's items. Here each transaction is sent alone,
    as DynamoDB would run it; the reads, the checks and the conditions stay concurrent and server-side."""
    one_at_a_time = threading.Lock()
    write, transact = PaymentStore.write, SessionStore._transact

    def isolated(self: PaymentStore, items: list[dict[str, Any]]) -> bool:
        with one_at_a_time:
            return write(self, items)

    def isolated_charging(self: SessionStore, items: list[dict[str, Any]]) -> bool:
        with one_at_a_time:
            return transact(self, items)

    monkeypatch.setattr(PaymentStore, "write", isolated)
    monkeypatch.setattr(SessionStore, "_transact", isolated_charging)


def service(stack: Template, processor: CountingProcessor) -> PaymentsService:
    return PaymentsService(
        processor, SandboxMethods(), PaymentStore(stack.tables["PaymentsTable"].name), LIMITS
    )


def invocation(car: str, tool: str, arguments: dict[str, Any], key: str) -> ToolInvocation:
    return ToolInvocation(
        invocation_id=uuid.uuid4().hex,
        tool=tool,
        arguments=arguments,
        caller=Caller(sub=car, role=Role.VEHICLE),
        idempotency_key=key,
        confirmed=True,
    )


def payment_args(amount: int) -> CreatePaymentArgs:
    return CreatePaymentArgs(
        amount=AmountArg(amount=amount, currency="CNY"), merchant="shanghai_star_charging", purpose="charging"
    )


def test_the_same_confirmed_payment_twenty_times_at_once_is_one_charge(stack: Template) -> None:
    processor = CountingProcessor()
    payments = service(stack, processor)
    car = f"vin-{uuid.uuid4().hex[:8]}"
    inv = invocation(car, "payments_create_payment", payment_args(4550).model_dump(), "same-key")
    outcomes = race(N, lambda _i: payments.create_payment(inv, payment_args(4550)))
    answered = [o for o in outcomes if isinstance(o, OnePayment)]
    assert answered, outcomes
    assert all(isinstance(o, OnePayment | IdempotencyInProgress) for o in outcomes), outcomes
    assert {o.payment.id for o in answered} == {answered[0].payment.id}
    assert processor.calls == Counter({"charge": 1})
    # every racer that lost now finds the one payment
    again = payments.create_payment(inv, payment_args(4550)).payment
    assert again.status is PaymentStatus.SUCCEEDED and again.captured.amount == 4550
    assert processor.calls == Counter({"charge": 1})
    store = payments.store
    trail = store.trail(again.id)
    assert [e.event for e in trail] == ["created", "captured"]
    assert sum(e.captured_delta for e in trail) == 4550
    assert store.ledger(car, "CNY").spent_since(0) == 4550


def test_twenty_duplicated_lambda_invocations_charge_once(
    stack: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The payments handler itself, with the template's environment, invoked twenty times with one event."""
    fn = stack.function_named("PaymentsFunction")
    assert fn is not None
    for name, value in fn.environment.items():
        monkeypatch.setenv(name, value)
    reset_container()
    processor = CountingProcessor()
    wire("payments", processor=processor)
    from payments.handler import lambda_handler

    car = f"vin-{uuid.uuid4().hex[:8]}"
    event = invocation(car, "payments_create_payment", payment_args(4550).model_dump(), "dup").model_dump(
        mode="json"
    )
    answers = race(N, lambda _i: lambda_handler(event, None))
    assert processor.calls == Counter({"charge": 1})
    succeeded = [a for a in answers if isinstance(a, dict) and a["status"] == "succeeded"]
    refused = [a for a in answers if isinstance(a, dict) and a["status"] == "failed"]
    assert len(succeeded) + len(refused) == N and succeeded
    assert {a["result"]["payment"]["id"] for a in succeeded} == {succeeded[0]["result"]["payment"]["id"]}
    assert {a["error"]["status"] for a in refused} <= {409}


def test_concurrent_payments_cannot_together_pass_the_daily_limit(stack: Template) -> None:
    processor = CountingProcessor()
    payments = service(stack, processor)
    car = f"vin-{uuid.uuid4().hex[:8]}"

    def pay(i: int) -> OnePayment:
        inv = invocation(car, "payments_create_payment", payment_args(30_000).model_dump(), f"key-{i}")
        return payments.create_payment(inv, payment_args(30_000))

    outcomes = race(10, pay)
    paid = [o for o in outcomes if isinstance(o, OnePayment)]
    assert len(paid) == 3, outcomes  # ¥300 each against ¥1000 a day
    assert all(isinstance(o, PaymentLimitExceeded) for o in outcomes if not isinstance(o, OnePayment)), (
        outcomes
    )
    assert processor.calls == Counter({"charge": 3})
    assert payments.store.ledger(car, "CNY").spent_since(0) == 90_000


def test_concurrent_refunds_never_add_up_to_more_than_was_captured(stack: Template) -> None:
    processor = CountingProcessor()
    payments = service(stack, processor)
    car = f"vin-{uuid.uuid4().hex[:8]}"
    inv = invocation(car, "payments_create_payment", payment_args(10_000).model_dump(), "pay")
    payment = payments.create_payment(inv, payment_args(10_000)).payment
    args = RefundArgs(payment_id=payment.id, amount=AmountArg(amount=3_000, currency="CNY"))

    def refund(i: int) -> Any:
        return payments.refund_payment(
            invocation(car, "payments_refund_payment", args.model_dump(), f"refund-{i}"), args
        )

    outcomes = race(10, refund)
    done = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(done) == 3, outcomes
    assert all(isinstance(o, RefundExceedsCaptured) for o in outcomes if isinstance(o, Exception)), outcomes
    stored = payments.store.get(payment.id)
    assert stored is not None and stored.refunded == stored.refund_reserved == 9_000
    trail = payments.store.trail(payment.id)
    assert (
        sum(e.refunded_delta for e in trail)
        == 9_000
        == sum(r.amount.amount for r in payments.store.refunds(payment.id))
    )
    assert len({e.seq for e in trail}) == len(trail)  # append-only: one item per version
    assert processor.calls["refund"] == 3


def test_a_hold_raced_by_captures_and_cancels_ends_one_way(stack: Template) -> None:
    processor = CountingProcessor()
    payments = service(stack, processor)
    car = Caller(sub=f"vin-{uuid.uuid4().hex[:8]}", role=Role.VEHICLE)
    held = payments.command(
        car,
        "authorize",
        PaymentCommand(
            domain="charging",
            key="cs_1",
            amount=Money(amount=14_160, currency="CNY"),
        ),
    ).payment
    assert held is not None

    def settle(i: int) -> Any:
        action = "capture" if i % 2 else "cancel"
        amount = Money(amount=8_496, currency="CNY") if action == "capture" else None
        return payments.command(
            car, action, PaymentCommand(domain="charging", payment_id=held.id, amount=amount)
        )

    outcomes = race(10, settle)
    final = payments.store.get(held.id)
    assert final is not None and final.status in (PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED)
    assert processor.calls["capture"] + processor.calls["cancel"] == 1
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert all(isinstance(o, PaymentStateConflict | IdempotencyInProgress) for o in refused), refused
    trail = payments.store.trail(held.id)
    assert [e.event for e in trail][:2] == ["created", "authorized"] and len(trail) == 3
    assert sum(e.captured_delta for e in trail) == final.captured
    assert sum(e.authorized_delta for e in trail) == final.authorized == 0


def test_a_timed_out_payment_asked_again_later_is_charged_once(stack: Template) -> None:
    """The processor never answered (a timeout): the payment stays processing, and asking again after the
    lock runs out reaches the processor with the same idempotency key — one payment, one reference."""
    now = [time.time()]

    class FlakyOnce(CountingProcessor):
        def charge(self, request: ChargeRequest) -> ProcessorPayment:
            self._count("charge")
            keys.append(request.idempotency_key)
            if len(keys) == 1:
                raise ProcessorUnknown("no answer", timed_out=True)
            return SandboxProcessor.charge(self, request)

    keys: list[str] = []
    processor = FlakyOnce()
    payments = service(stack, processor)
    payments.clock = lambda: datetime.fromtimestamp(now[0], UTC)
    car = f"vin-{uuid.uuid4().hex[:8]}"
    inv = invocation(car, "payments_create_payment", payment_args(4550).model_dump(), "k")
    with pytest.raises(UpstreamTimeout):
        payments.create_payment(inv, payment_args(4550))
    with pytest.raises(IdempotencyInProgress):  # too soon: the first call may still answer
        payments.create_payment(inv, payment_args(4550))
    now[0] += 31
    payment = payments.create_payment(inv, payment_args(4550)).payment
    assert payment.status is PaymentStatus.SUCCEEDED
    assert keys == [keys[0], keys[0]] and processor.calls["charge"] == 2
    assert sum(e.captured_delta for e in payments.store.trail(payment.id)) == 4550


def test_the_same_confirmed_call_twenty_times_through_the_router_is_one_charge(
    stack: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole path: router (idempotency record, single-use token) → Lambda Invoke → payments, with
    DynamoDB on the server. Twenty copies of one confirmed call: one charge, one answer."""
    for logical in ("RouterFunction", "PaymentsFunction"):
        fn = stack.function_named(logical)
        assert fn is not None
        for name, value in fn.environment.items():
            monkeypatch.setenv(name, value)
    # this test is about one charge, not about limits (tests/e2e/test_limits.py holds the template's
    # buckets over HTTP); twenty copies on one bucket item at once may still meet the limiter's own
    # contention refusal (429 "at once; retry"), which is a refusal like the in-progress 409
    monkeypatch.setenv("RATE_LIMITS", WIDE_LIMITS)
    reset_container()
    processor = CountingProcessor()
    wire("payments", processor=processor)
    serve_lambda_in_process(stack)
    from router.handler import lambda_handler as router

    car = f"vin-{uuid.uuid4().hex[:8]}"
    args = payment_args(4550).model_dump(exclude_none=True, exclude_defaults=True)
    asked = json.loads(
        router(events.invoke("payments_create_payment", args, key="same", sub=car), None)["body"]
    )
    body = {"confirmation_token": asked["confirmation"]["token"]}
    answers = race(
        N,
        lambda _i: router(
            events.invoke("payments_create_payment", args, key="same", sub=car, body=body), None
        ),
    )
    assert processor.calls == Counter({"charge": 1})
    ok = [json.loads(a["body"]) for a in answers if isinstance(a, dict) and a["statusCode"] == 200]
    refused = [json.loads(a["body"]) for a in answers if isinstance(a, dict) and a["statusCode"] != 200]
    assert len(ok) + len(refused) == N and ok, answers
    assert {o["result"]["payment"]["id"] for o in ok} == {ok[0]["result"]["payment"]["id"]}
    assert {r["status"] for r in refused} <= {409, 429}
    again = json.loads(
        router(events.invoke("payments_create_payment", args, key="same", sub=car, body=body), None)["body"]
    )
    assert again["result"]["payment"] == ok[0]["result"]["payment"]
    assert processor.calls == Counter({"charge": 1})
    trail = PaymentStore(stack.tables["PaymentsTable"].name).trail(ok[0]["result"]["payment"]["id"])
    assert [e.event for e in trail] == ["created", "captured"]


def test_a_charging_start_with_a_card_duplicated_twenty_times_holds_once(
    stack: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twenty copies of one confirmed charging start (a duplicated invocation) reach charging at once:
    one session, one hold, one call to the processor — the payment id comes from the session id, which
    comes from (caller, Idempotency-Key)."""
    for logical in ("ChargingFunction", "PaymentsFunction"):
        fn = stack.function_named(logical)
        assert fn is not None
        for name, value in fn.environment.items():
            monkeypatch.setenv(name, value)
    # this test is about one charge, not about limits (tests/e2e/test_limits.py holds the template's
    # buckets over HTTP); twenty copies on one bucket item at once may still meet the limiter's own
    # contention refusal (429 "at once; retry"), which is a refusal like the in-progress 409
    monkeypatch.setenv("RATE_LIMITS", WIDE_LIMITS)
    reset_container()
    processor = CountingProcessor()
    wire("payments", processor=processor)
    serve_lambda_in_process(stack)
    from charging.handler import lambda_handler as charging

    car = f"vin-{uuid.uuid4().hex[:8]}"
    args = {"station_id": "CN-SHA-0003", "payment_method_id": "pm_card_visa"}
    event = invocation(car, "charging_start_session", args, "start-once").model_dump(mode="json")
    answers = race(N, lambda _i: charging(event, None))
    assert processor.calls == Counter({"charge": 1})
    accepted = [a for a in answers if isinstance(a, dict) and a["status"] == "accepted"]
    refused = [a for a in answers if isinstance(a, dict) and a["status"] == "failed"]
    assert accepted and len(accepted) + len(refused) == N, answers
    assert {a["operation_id"] for a in accepted} == {accepted[0]["operation_id"]}
    assert {r["error"]["status"] for r in refused} <= {409}
    items = PaymentStore(stack.tables["PaymentsTable"].name)
    session_id = "cs_" + accepted[0]["operation_id"].removeprefix("op_")
    session = SessionStore(stack.tables["ChargingTable"].name).get(session_id)
    assert session is not None and session.payment is not None
    payment = items.get(session.payment.id)
    assert payment is not None and payment.status is PaymentStatus.REQUIRES_CAPTURE
    assert [e.event for e in items.trail(payment.id)] == ["created", "authorized"]
