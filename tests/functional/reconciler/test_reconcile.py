"""The reconciler against each stuck state, with moto and the domain functions behind real Lambda Invoke
payloads (served in-process): the states are made by the real services with a clock an hour back and
a processor, CPO or process that dies at the worst moment. One run settles each from the processor's or
the CPO's answer and audits it; a second run does nothing more."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from booking import sandbox_data as data
from booking.models import CreateArgs, ReservationStatus
from booking.sandbox import SandboxProvider
from booking.service import BookingService, reservation_id
from booking.store import ReservationStore
from charging.models import SessionStatus, StartSessionArgs
from charging.ports import StartCommand
from charging.sandbox import SandboxOperator
from charging.service import ChargingService
from charging.store import DynamoEvseStates, SessionStore
from cockpit.errors import UpstreamTimeout
from cockpit.money import Money
from cockpit.operations import OperationStore
from cockpit.payments_client import PaymentsClient
from cockpit.settings import get_settings
from cockpit.tools.model import Caller, Role, ToolInvocation
from cockpit_dev.template import Template
from payments.models import AmountArg, CreatePaymentArgs, PaymentStatus, RefundArgs, RefundStatus
from payments.ports import ChargeRequest, ProcessorPayment, ProcessorUnknown
from payments.sandbox import SandboxMethods, SandboxProcessor
from payments.service import PaymentsService
from payments.settings import PaymentsSettings
from payments.store import PaymentStore
from reconciler.handler import lambda_handler as reconciler
from tests.support.aws import aws_from_template

CAR = Caller(sub="vin-stuck", role=Role.VEHICLE)
AN_HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)


class Killed(BaseException):
    """The process dying (SIGKILL) at that very point: nothing after it runs."""


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Template]:
    functions = ("ReconcilerFunction", "PaymentsFunction", "BookingFunction", "ChargingFunction")
    with aws_from_template(monkeypatch, *functions) as template:
        yield template


def then() -> datetime:
    return AN_HOUR_AGO


def table(stack: Template, logical: str) -> str:
    return stack.tables[logical].name


def function(stack: Template, logical: str) -> str:
    fn = stack.function_named(logical)
    assert fn is not None
    return fn.name


def payments_then(stack: Template, processor: SandboxProcessor | None = None) -> PaymentsService:
    limits = get_settings(PaymentsSettings).limits
    store = PaymentStore(table(stack, "PaymentsTable"))
    return PaymentsService(processor or SandboxProcessor(), SandboxMethods(), store, limits, clock=then)


def invocation(tool: str, arguments: dict[str, Any], key: str | None = None) -> ToolInvocation:
    return ToolInvocation(invocation_id="i", tool=tool, arguments=arguments, caller=CAR,
                          idempotency_key=key or uuid.uuid4().hex, confirmed=True)  # fmt: skip


def audit(stack: Template) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=table(stack, "AuditTable"))["Items"]
    return [{k: v["S"] for k, v in i.items() if "S" in v} for i in items]


def run_twice(stack: Template) -> dict[str, Any]:
    """One run, then a second that must find nothing more to do."""
    first = reconciler({}, None)
    assert first["failed"] == {}, first
    audited = audit(stack)
    assert len(audited) == len(first["settled"])
    second = reconciler({}, None)
    assert second["settled"] == [] and second["failed"] == {}, second
    assert len(audit(stack)) == len(audited)
    return first


class LostAnswer(SandboxProcessor):
    """The processor charged, then the answer was lost on the way back (a timeout)."""

    def charge(self, request: ChargeRequest) -> ProcessorPayment:
        super().charge(request)
        raise ProcessorUnknown("the answer was lost", timed_out=True)


def test_a_payment_left_processing_is_settled_from_the_processor(stack: Template) -> None:
    args = CreatePaymentArgs(
        amount=AmountArg(amount=3300, currency="CNY"), merchant="booking", purpose="parking"
    )
    with pytest.raises(UpstreamTimeout):
        payments_then(stack, LostAnswer()).create_payment(invocation("payments_create_payment", {}), args)
    (stuck,) = PaymentStore(table(stack, "PaymentsTable")).stuck()[0]
    assert stuck.status is PaymentStatus.PROCESSING
    report = run_twice(stack)
    (done,) = report["settled"]
    assert (done["record"], done["id"], done["was"], done["now"]) == (
        "payment",
        stuck.id,
        "processing",
        "succeeded",
    )
    after = PaymentStore(table(stack, "PaymentsTable")).get(stuck.id)
    assert after is not None and after.status is PaymentStatus.SUCCEEDED and after.captured == 3300
    (entry,) = audit(stack)
    assert entry["domain"] == "payments" and entry["action"] == "asked_again" and entry["now"] == "succeeded"


def test_a_refund_answered_pending_stays_pending_until_the_processor_confirms(stack: Template) -> None:
    service = payments_then(stack)
    args = CreatePaymentArgs(
        amount=AmountArg(amount=5000, currency="CNY"), merchant="booking", purpose="parking"
    )
    paid = service.create_payment(invocation("payments_create_payment", {}), args).payment
    ask = RefundArgs(payment_id=paid.id, amount=AmountArg(amount=202, currency="CNY"))  # sandbox: pending
    refund = service.refund_payment(invocation("payments_refund_payment", {}), ask)
    assert refund.refund.status is RefundStatus.PENDING and refund.payment.refunded.amount == 0
    report = run_twice(stack)
    (done,) = report["settled"]
    assert (done["record"], done["was"], done["now"], done["action"]) == (
        "refund", "pending", "succeeded", "asked_status",
    )  # fmt: skip
    after = PaymentStore(table(stack, "PaymentsTable")).get(paid.id)
    assert after is not None and after.refunded == 202


class CaptureFails(PaymentsClient):
    def capture(self, caller: Caller, domain: str, payment_id: str, amount: Money) -> Any:
        raise UpstreamTimeout("payments did not answer")


class DiesAfterHolding(PaymentsClient):
    def authorize(self, *args: Any, **kwargs: Any) -> Any:
        super().authorize(*args, **kwargs)
        raise Killed


def prepaid_slot(days: int, skip: int = 0) -> str:
    day = (datetime.now(UTC) + timedelta(days=days)).date()
    found = [
        s.id
        for v in data.venues().values()
        for s in data.day_schedule(v, day)
        if s.requires_prepayment and s.price.amount % 10_000 not in (402, 500, 502, 504, 202)
        and s.capacity - data.already_taken(s) >= 2
    ]  # fmt: skip
    return found[skip]


def booking_then(stack: Template, payments: PaymentsClient) -> BookingService:
    t = table(stack, "BookingTable")
    return BookingService(SandboxProvider(t, clock=then), ReservationStore(t), clock=then, payments=payments)


def test_a_booking_left_authorized_after_a_failed_capture_is_captured(stack: Template) -> None:
    service = booking_then(stack, CaptureFails(function(stack, "PaymentsFunction")))
    args = CreateArgs(slot_id=prepaid_slot(3), payment_method_id="pm_card_visa")
    made = service.create(invocation("booking_create_reservation", args.model_dump()), args).reservation
    assert made.status is ReservationStatus.CONFIRMED and made.payment.status == "authorized"
    report = run_twice(stack)
    (done,) = report["settled"]
    assert (done["domain"], done["id"], done["was"], done["now"], done["action"]) == (
        "booking", made.id, "confirmed/authorized", "confirmed/captured", "captured",
    )  # fmt: skip
    assert made.payment.id is not None
    paid = PaymentStore(table(stack, "PaymentsTable")).get(made.payment.id)
    assert paid is not None and paid.status is PaymentStatus.SUCCEEDED


def test_a_pending_reservation_of_a_crashed_maker_releases_its_units_and_voids_its_hold(
    stack: Template,
) -> None:
    slot_id = prepaid_slot(4, skip=1)
    provider = SandboxProvider(table(stack, "BookingTable"))
    before = provider.slot(slot_id)
    assert before is not None and before.remaining is not None
    service = booking_then(stack, DiesAfterHolding(function(stack, "PaymentsFunction")))
    args = CreateArgs(slot_id=slot_id, payment_method_id="pm_card_visa")
    inv = invocation("booking_create_reservation", args.model_dump(), key="crashed-maker")
    with pytest.raises(Killed):
        service.create(inv, args)
    assert provider.slot(slot_id).remaining == before.remaining - 1  # type: ignore[union-attr]
    rid = reservation_id(inv)
    report = run_twice(stack)
    (done,) = report["settled"]
    assert (done["id"], done["was"], done["now"], done["action"]) == (
        rid, "pending/pending", "cancelled/voided", "released_and_voided",
    )  # fmt: skip
    assert provider.slot(slot_id).remaining == before.remaining  # type: ignore[union-attr]
    held = [p for p in payments_of(stack) if p["reference"] == rid]
    assert [p["status"] for p in held] == ["canceled"]


def payments_of(stack: Template) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=table(stack, "PaymentsTable"))["Items"]
    return [json.loads(i["doc"]["S"]) for i in items if i["sk"]["S"] == "PAYMENT"]


class StartsThenTimesOut(SandboxOperator):
    """The CPO started the session, but its answer never came back."""

    def start_session(self, command: StartCommand) -> Any:
        super().start_session(command)
        raise UpstreamTimeout("the charge point did not answer in time")


class NeverStartsAndTimesOut(SandboxOperator):
    def start_session(self, command: StartCommand) -> Any:
        raise UpstreamTimeout("the charge point did not answer in time")


def charging_then(
    stack: Template, operator: Callable[[DynamoEvseStates], SandboxOperator]
) -> ChargingService:
    t = table(stack, "ChargingTable")
    return ChargingService(
        cpo=operator(DynamoEvseStates(t)),
        sessions=SessionStore(t),
        operations=OperationStore(table(stack, "OperationsTable")),
        callback_base=lambda: "http://127.0.0.1:3999",
        clock=then,
        payments=PaymentsClient(function(stack, "PaymentsFunction")),
        hold_caps={"CNY": 30000, "EUR": 5000},
        pseudonym=lambda sub: "psn_" + sub,  # the CPO's view of the driver: not what is reconciled here
    )


@pytest.mark.parametrize(
    ("operator", "now", "action"),
    [
        (StartsThenTimesOut, "ACTIVE/requires_capture", "activated"),
        (NeverStartsAndTimesOut, "FAILED/canceled", "failed_and_released"),
    ],
)
def test_a_start_the_cpo_never_answered_is_settled_from_the_cpo(
    stack: Template, operator: Callable[[DynamoEvseStates], SandboxOperator], now: str, action: str
) -> None:
    service = charging_then(stack, operator)
    args = StartSessionArgs(station_id="CN-SHA-0001", payment_method_id="pm_card_visa")
    inv = invocation("charging_start_session", args.model_dump(exclude_none=True))
    with pytest.raises(UpstreamTimeout):
        service.start_session(inv, args)
    (stuck,) = SessionStore(table(stack, "ChargingTable")).stuck()
    assert stuck.status is SessionStatus.PENDING  # kept: the CPO may have started it
    report = run_twice(stack)
    (done,) = report["settled"]
    assert (done["id"], done["was"], done["now"], done["action"]) == (
        stuck.id, "PENDING/requires_capture", now, action,
    )  # fmt: skip
    op = OperationStore(table(stack, "OperationsTable")).get(stuck.operation_id)
    assert op is not None and op.status == ("succeeded" if action == "activated" else "failed")
