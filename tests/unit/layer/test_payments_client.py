"""The payments client other domains use: what it sends over Lambda Invoke, and how every kind of
answer comes back (a payment, the function's own problem, a crash, a timeout, garbage)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from cockpit import aws
from cockpit.errors import (
    IdempotencyInProgress,
    PaymentDeclined,
    PaymentStateConflict,
    UpstreamError,
    UpstreamTimeout,
)
from cockpit.money import Money
from cockpit.payments_client import PaymentsClient
from cockpit.tools.model import Caller, Role

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


class FakeLambda:
    """Answers Invoke with a prepared response, and keeps what it was sent."""

    def __init__(
        self, payload: Any = None, *, error: str | None = None, raises: Exception | None = None
    ) -> None:
        self.payload, self.error, self.raises = payload, error, raises
        self.sent: list[dict[str, Any]] = []

    def invoke(self, **request: Any) -> dict[str, Any]:
        self.sent.append({**request, "Payload": json.loads(request["Payload"])})
        if self.raises is not None:
            raise self.raises
        body = self.payload if isinstance(self.payload, bytes) else json.dumps(self.payload).encode()
        response: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(body)}
        if self.error:
            response["FunctionError"] = self.error
        return response


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


def test_authorize_sends_a_payment_command_and_reads_the_payment(fake: Any) -> None:
    lam = fake(FakeLambda({"status": "succeeded", "payment": PAYMENT}))
    got = PaymentsClient("payments-fn").authorize(CAR, "charging", "cs_1", HOLD, "pm_card_visa", "Charging")
    assert got.id == PAYMENT["id"] and got.amount == HOLD
    (sent,) = lam.sent
    assert sent["FunctionName"] == "payments-fn" and sent["InvocationType"] == "RequestResponse"
    assert sent["Payload"] == {
        "kind": "payment_command",
        "action": "authorize",
        "caller": {"sub": "vin-1", "role": "vehicle"},
        "domain": "charging",
        "key": "cs_1",
        "payment_id": None,
        "amount": {"amount": 14160, "currency": "CNY"},
        "method_id": "pm_card_visa",
        "purpose": "Charging",
        "reference": None,
        "locale": "en-US",
    }


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
        (FakeLambda({"status": "failed"}), UpstreamError),  # failed without a problem
        (FakeLambda(raises=ReadTimeoutError(endpoint_url="http://lambda")), UpstreamTimeout),
        (
            FakeLambda(raises=ClientError({"Error": {"Code": "AccessDeniedException"}}, "Invoke")),
            UpstreamError,
        ),
    ],
    ids=["timed-out", "crashed", "garbage", "no-payment", "no-problem", "read-timeout", "denied"],
)
def test_trouble_on_the_way(fake: Any, lam: FakeLambda, error: Any) -> None:
    fake(lam)
    with pytest.raises(error):
        PaymentsClient("fn").cancel(CAR, "charging", PAYMENT["id"])


def test_quote_answers_the_method(fake: Any) -> None:
    fake(FakeLambda({"status": "succeeded", "method": PAYMENT["method"]}))
    assert PaymentsClient("fn").quote(CAR, "charging", HOLD, None, "zh-CN").label == "Visa ending 4242"
