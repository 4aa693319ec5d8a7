"""The payments client other domains use: what it sends over Lambda Invoke, and how every kind of
answer comes back (a payment, the function's own problem, a crash, a timeout, garbage)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from cockpit import aws
from cockpit.errors import (
    Conflict,
    IdempotencyInProgress,
    PaymentDeclined,
    PaymentStateConflict,
    ProblemItem,
    UpstreamError,
    UpstreamTimeout,
    ValidationFailed,
)
from cockpit.money import Money
from cockpit.payments_client import PaymentsClient
from cockpit.tools.model import Caller, Role
from tests.support.fake_lambda import FakeLambda

CAR = Caller(sub="vin-1", role=Role.VEHICLE)
HOLD = Money(amount=14160, currency="CNY")
PAYMENT = {
    "id": "pay_" + "a" * 24,
    "status": "requires_capture",
    "amount": {"amount": 14160, "currency": "CNY"},
    "captured": {"amount": 0, "currency": "CNY"},
    "refunded": {"amount": 0, "currency": "CNY"},
    "method": {"id": "pm_card_visa", "type": "card", "label": "Visa ending 4242"},
}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Any:
    holder: dict[str, FakeLambda] = {}

    def use(lam: FakeLambda) -> FakeLambda:
        holder["lambda"] = lam
        return lam

    monkeypatch.setattr(aws, "client", lambda service: holder[service])
    monkeypatch.setattr(aws, "client_within", lambda service, _what: holder[service])
    return use


def problem(cls: Any, detail: str = "no") -> dict[str, Any]:
    return {"status": "failed", "error": cls(detail).problem().model_dump(exclude_none=True)}


def answered(**result: Any) -> dict[str, Any]:
    return {"status": "succeeded", "result": result}


def test_authorize_sends_a_payment_command_and_reads_the_payment(fake: Any) -> None:
    lam = fake(FakeLambda(answered(payment=PAYMENT)))
    got = PaymentsClient("payments-fn").authorize(CAR, "charging", "cs_1", HOLD, "pm_card_visa", "Charging")
    assert got.id == PAYMENT["id"] and got.amount == HOLD
    (sent,) = lam.sent
    assert sent["FunctionName"] == "payments-fn" and sent["InvocationType"] == "RequestResponse"
    envelope = sent["Payload"]
    assert len(envelope.pop("invocation_id")) == 32
    assert envelope == {
        "kind": "command",
        "tool": "payments.authorize",
        "arguments": {
            "domain": "charging",
            "key": "cs_1",
            "payment_id": None,
            "amount": {"amount": 14160, "currency": "CNY"},
            "method_id": "pm_card_visa",
            "purpose": "Charging",
            "reference": None,
        },
        "caller": {"sub": "vin-1", "role": "vehicle"},
        "session_id": None,
        "idempotency_key": None,
        "confirmed": False,
        "locale": "en-US",
        "vehicle": None,
        "phase": "execute",
    }


@pytest.mark.parametrize("status", ["canceled", "failed", "succeeded"])
def test_an_authorize_answered_with_a_payment_that_holds_nothing_is_refused(fake: Any, status: str) -> None:
    """Payments answers the payment a key made before. When that hold was voided (an earlier attempt
    failed) or is no hold at all, a booking or charging start must not go on as if the price were held:
    409, asking for a new Idempotency-Key."""
    fake(FakeLambda(answered(payment={**PAYMENT, "status": status})))
    with pytest.raises(Conflict, match=f"it is {status}.*new Idempotency-Key"):
        PaymentsClient("fn").authorize(CAR, "booking", "rs_1", HOLD, "pm_card_visa", "Booking")


def test_a_refusal_is_pointed_at_the_domains_argument_and_nothing_else(fake: Any) -> None:
    """Payments names its command's `method_id`; the driver sent `payment_method_id`. Other pointers
    name what the domain computed (the hold's amount), which the driver never sent: dropped."""
    refusal = ValidationFailed(
        "no such method",
        errors=[
            ProblemItem(pointer="/arguments/method_id", message="unknown payment method"),
            ProblemItem(pointer="/arguments/amount/amount", message="above the per-payment limit"),
        ],
    )
    fake(FakeLambda({"status": "failed", "error": refusal.problem().model_dump(exclude_none=True)}))
    with pytest.raises(ValidationFailed) as caught:
        PaymentsClient("fn").quote(CAR, "charging", HOLD, "pm_gone", "en-US")
    assert [(e.pointer, e.message) for e in caught.value.errors or []] == [
        ("/arguments/payment_method_id", "unknown payment method")
    ]


def test_arguments_that_break_the_command_are_refused_before_the_call(fake: Any) -> None:
    lam = fake(FakeLambda(answered(payment=PAYMENT)))
    with pytest.raises(ValidationFailed) as caught:
        PaymentsClient("fn").authorize(CAR, "charging", "cs_1", HOLD, "not a method id!", "Charging")
    assert [e.pointer for e in caught.value.errors or []] == ["/arguments/payment_method_id"]
    with pytest.raises(ValidationFailed):
        PaymentsClient("fn").capture(CAR, "Not A Domain", PAYMENT["id"], HOLD)
    assert lam.sent == []  # payments was never asked


@pytest.mark.parametrize("error", [PaymentDeclined, PaymentStateConflict, IdempotencyInProgress])
def test_a_refusal_comes_back_as_its_own_error(fake: Any, error: Any) -> None:
    fake(FakeLambda(problem(error, "refused")))
    with pytest.raises(error) as caught:
        PaymentsClient("fn").capture(CAR, "charging", PAYMENT["id"], HOLD)
    assert caught.value.detail == "refused"


@pytest.mark.parametrize(
    ("lam", "error"),
    [
        (
            FakeLambda({"errorType": "Sandbox.Timedout", "errorMessage": "x"}, error="Unhandled"),
            UpstreamTimeout,
        ),
        (FakeLambda({"errorType": "KeyError", "errorMessage": "x"}, error="Unhandled"), UpstreamError),
        (FakeLambda(b"not json"), UpstreamError),
        (FakeLambda({"status": "succeeded"}), UpstreamError),  # no payment in the answer
        (FakeLambda(answered(payment={"id": "pay_1"})), UpstreamError),  # a payment of the wrong shape
        (FakeLambda({"status": "failed"}), UpstreamError),  # failed without a problem
        (FakeLambda(raises=ReadTimeoutError(endpoint_url="http://lambda")), UpstreamTimeout),
        (
            FakeLambda(raises=ClientError({"Error": {"Code": "AccessDeniedException"}}, "Invoke")),
            UpstreamError,
        ),
    ],
    ids=[
        "timed-out",
        "crashed",
        "garbage",
        "no-payment",
        "bad-payment",
        "no-problem",
        "read-timeout",
        "denied",
    ],
)
def test_trouble_on_the_way(fake: Any, lam: FakeLambda, error: Any) -> None:
    fake(lam)
    with pytest.raises(error):
        PaymentsClient("fn").cancel(CAR, "charging", PAYMENT["id"])


def test_quote_answers_the_method(fake: Any) -> None:
    lam = fake(FakeLambda(answered(method=PAYMENT["method"])))
    assert PaymentsClient("fn").quote(CAR, "charging", HOLD, None, "zh-CN").label == "Visa ending 4242"
    (sent,) = lam.sent
    assert sent["Payload"]["tool"] == "payments.quote" and sent["Payload"]["locale"] == "zh-CN"
