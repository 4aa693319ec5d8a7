"""The Stripe adapter against response shapes written from Stripe's documented objects (PaymentIntent,
Refund, error), served by httpx.MockTransport: what it sends (form-encoded, Idempotency-Key, the key
as a bearer token) and how it reads each answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from cockpit.money import Money
from payments.ports import (
    ChargeRequest,
    PaymentMethod,
    ProcessorDeclined,
    ProcessorFailed,
    ProcessorUnknown,
)
from payments.stripe import StripeProcessor

KEY = "sk_test_fixture_not_a_secret"
VISA = PaymentMethod(id="pm_card_visa", type="card", brand="Visa", last4="4242", default=True)


def intent(
    status: str, *, amount: int = 4550, capturable: int = 0, received: int = 0, **more: Any
) -> dict[str, Any]:
    """A PaymentIntent as Stripe documents it, trimmed to the fields a reader meets first."""
    return {
        "id": "pi_3Q0fixture0000000000000",
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": capturable,
        "amount_received": received,
        "capture_method": "manual",
        "client_secret": "pi_3Q0fixture0000000000000_secret_fixture",
        "confirmation_method": "automatic",
        "created": 1764028800,
        "currency": "cny",
        "latest_charge": "ch_3Q0fixture0000000000000" if status != "requires_payment_method" else None,
        "livemode": False,
        "metadata": {"payment_id": "pay_0123456789abcdef01234567"},
        "payment_method": "pm_1Q0fixture00000000000000",
        "payment_method_types": ["card"],
        "status": status,
        **more,
    }


def refund(status: str = "succeeded", amount: int = 1000) -> dict[str, Any]:
    return {
        "id": "re_3Q0fixture0000000000000",
        "object": "refund",
        "amount": amount,
        "charge": "ch_3Q0fixture0000000000000",
        "created": 1764028900,
        "currency": "cny",
        "metadata": {},
        "payment_intent": "pi_3Q0fixture0000000000000",
        "reason": None,
        "status": status,
    }


def card_declined() -> dict[str, Any]:
    return {
        "error": {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "insufficient_funds",
            "message": "Your card has insufficient funds.",
            "doc_url": "https://stripe.com/docs/error-codes/card-declined",
            "payment_intent": intent("requires_payment_method"),
        }
    }


Seen = list[httpx.Request]


def processor(answer: Callable[[httpx.Request], httpx.Response]) -> tuple[StripeProcessor, Seen]:
    seen: Seen = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    client = httpx.Client(transport=httpx.MockTransport(handle))
    return StripeProcessor(KEY, base_url="https://api.stripe.com", timeout_s=2, client=client), seen


def form(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode())


def charge(capture: str = "manual", amount: int = 4550) -> ChargeRequest:
    return ChargeRequest(
        payment_id="pay_0123456789abcdef01234567",
        amount=Money(amount=amount, currency="CNY"),
        method=VISA,
        capture=capture,  # type: ignore[arg-type]
        description="Shanghai Star Charging: charging",
        idempotency_key="pay_0123456789abcdef01234567-charge",
    )


def test_a_hold_is_a_confirmed_manual_capture_intent_sent_as_a_form() -> None:
    stripe, seen = processor(lambda _r: httpx.Response(200, json=intent("requires_capture", capturable=4550)))
    out = stripe.charge(charge("manual"))
    assert (out.ref, out.status, out.capturable, out.received) == (
        "pi_3Q0fixture0000000000000",
        "requires_capture",
        4550,
        0,
    )
    (request,) = seen
    assert request.method == "POST" and str(request.url) == "https://api.stripe.com/v1/payment_intents"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["idempotency-key"] == "pay_0123456789abcdef01234567-charge"
    assert form(request) == {
        "amount": ["4550"],
        "currency": ["cny"],
        "payment_method": ["pm_card_visa"],
        "payment_method_types[]": ["card"],
        "confirm": ["true"],
        "capture_method": ["manual"],
        "description": ["Shanghai Star Charging: charging"],
        "metadata[payment_id]": ["pay_0123456789abcdef01234567"],
    }


def test_an_automatic_charge_succeeds_with_the_amount_received() -> None:
    body = intent("succeeded", received=4550, capture_method="automatic")
    stripe, seen = processor(lambda _r: httpx.Response(200, json=body))
    out = stripe.charge(charge("automatic"))
    assert (out.status, out.received) == ("succeeded", 4550)
    assert form(seen[0])["capture_method"] == ["automatic"]


def test_capture_sends_the_amount_to_capture_and_releases_the_rest() -> None:
    body = intent("succeeded", amount=14160, received=8496)
    stripe, seen = processor(lambda _r: httpx.Response(200, json=body))
    out = stripe.capture("pi_3Q0fixture0000000000000", Money(amount=8496, currency="CNY"), "pay_x-capture")
    assert (out.status, out.received, out.capturable) == ("succeeded", 8496, 0)
    assert seen[0].url.path == "/v1/payment_intents/pi_3Q0fixture0000000000000/capture"
    assert form(seen[0]) == {"amount_to_capture": ["8496"]}
    assert seen[0].headers["idempotency-key"] == "pay_x-capture"


def test_cancel_voids_the_hold() -> None:
    body = intent("canceled", cancellation_reason="requested_by_customer")
    stripe, seen = processor(lambda _r: httpx.Response(200, json=body))
    assert stripe.cancel("pi_3Q0fixture0000000000000", "pay_x-cancel").status == "canceled"
    assert seen[0].url.path == "/v1/payment_intents/pi_3Q0fixture0000000000000/cancel"


def test_a_refund_is_its_own_object() -> None:
    stripe, seen = processor(lambda _r: httpx.Response(200, json=refund()))
    out = stripe.refund("pi_3Q0fixture0000000000000", Money(amount=1000, currency="CNY"), "re_abc")
    assert (out.ref, out.amount, out.status) == ("re_3Q0fixture0000000000000", 1000, "succeeded")
    assert seen[0].url.path == "/v1/refunds"
    assert form(seen[0]) == {"payment_intent": ["pi_3Q0fixture0000000000000"], "amount": ["1000"]}
    assert seen[0].headers["idempotency-key"] == "re_abc"


def test_a_pending_refund_is_under_way() -> None:
    stripe, _ = processor(lambda _r: httpx.Response(200, json=refund("pending")))
    assert stripe.refund("pi_x", Money(amount=1000, currency="CNY"), "re_abc").status == "pending"


def test_a_pending_refunds_status_is_read_with_a_get() -> None:
    stripe, seen = processor(lambda _r: httpx.Response(200, json=refund("succeeded")))
    out = stripe.refund_status("re_3Q0fixture0000000000000", Money(amount=1000, currency="CNY"))
    assert (out.ref, out.status) == ("re_3Q0fixture0000000000000", "succeeded")
    assert seen[0].method == "GET" and seen[0].url.path == "/v1/refunds/re_3Q0fixture0000000000000"
    assert "idempotency-key" not in seen[0].headers


def test_a_pending_refund_that_failed_later() -> None:
    stripe, _ = processor(lambda _r: httpx.Response(200, json=refund("failed")))
    with pytest.raises(ProcessorFailed):
        stripe.refund_status("re_x", Money(amount=1000, currency="CNY"))


def test_a_failed_refund() -> None:
    stripe, _ = processor(lambda _r: httpx.Response(200, json=refund("failed")))
    with pytest.raises(ProcessorFailed):
        stripe.refund("pi_x", Money(amount=1000, currency="CNY"), "re_abc")


def test_the_same_request_twice_carries_the_same_key() -> None:
    stripe, seen = processor(lambda _r: httpx.Response(200, json=intent("requires_capture", capturable=4550)))
    stripe.charge(charge())
    stripe.charge(charge())
    assert seen[0].headers["idempotency-key"] == seen[1].headers["idempotency-key"]
    assert seen[0].content == seen[1].content


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(402, json=card_declined()), ProcessorDeclined),
        (httpx.Response(200, json=intent("requires_payment_method")), ProcessorDeclined),
        (
            httpx.Response(200, json=intent("requires_action", next_action={"type": "use_stripe_sdk"})),
            ProcessorDeclined,
        ),
        (
            httpx.Response(
                400,
                json={
                    "error": {
                        "type": "invalid_request_error",
                        "code": "parameter_invalid_integer",
                        "param": "amount",
                        "message": "Invalid integer: 45.5",
                    }
                },
            ),
            ProcessorFailed,
        ),
        (
            httpx.Response(
                409,
                json={
                    "error": {
                        "type": "idempotency_error",
                        "message": "Keys for idempotent requests "
                        "can only be used with the same parameters they were first used with.",
                    }
                },
            ),
            ProcessorFailed,
        ),
        (
            httpx.Response(
                401, json={"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}
            ),
            ProcessorFailed,
        ),
        (
            httpx.Response(500, json={"error": {"type": "api_error", "message": "Something went wrong"}}),
            ProcessorUnknown,
        ),
        (
            httpx.Response(429, json={"error": {"type": "invalid_request_error", "code": "rate_limit"}}),
            ProcessorUnknown,
        ),
        (httpx.Response(200, text="<html>maintenance</html>"), ProcessorUnknown),
        (httpx.Response(200, json=[intent("succeeded")]), ProcessorUnknown),
        (
            httpx.Response(
                200,
                json={
                    "id": "ch_1",
                    "object": "charge",
                    "status": "succeeded",
                    "amount": 1,
                    "currency": "cny",
                },
            ),
            ProcessorUnknown,
        ),
        (httpx.Response(200, json={"object": "payment_intent", "status": "succeeded"}), ProcessorUnknown),
        (httpx.Response(200, json=intent("processing")), ProcessorUnknown),
        (httpx.Response(502, text="Bad Gateway"), ProcessorUnknown),
        (httpx.Response(404, json={"detail": "no"}), ProcessorUnknown),
    ],
    ids=[
        "card-declined",
        "requires-payment-method",
        "requires-action",
        "invalid-request",
        "idempotency-error",
        "bad-key",
        "api-error",
        "rate-limited",
        "html",
        "a-list",
        "another-object",
        "missing-fields",
        "still-processing",
        "proxy-502",
        "no-error-object",
    ],
)
def test_each_answer_has_its_meaning(response: httpx.Response, error: type[Exception]) -> None:
    stripe, _ = processor(lambda _r: response)
    with pytest.raises(error):
        stripe.charge(charge())


def test_a_timeout_is_an_unknown_outcome() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    stripe, _ = processor(slow)
    with pytest.raises(ProcessorUnknown) as caught:
        stripe.charge(charge())
    assert caught.value.timed_out is True


def test_a_connection_error_is_an_unknown_outcome_that_is_not_a_timeout() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    stripe, _ = processor(down)
    with pytest.raises(ProcessorUnknown) as caught:
        stripe.charge(charge())
    assert caught.value.timed_out is False


def test_the_key_never_appears_in_an_error() -> None:
    body = {"error": {"type": "invalid_request_error", "message": f"Invalid API Key provided: {KEY}"}}
    stripe, _ = processor(lambda _r: httpx.Response(401, json=body))
    with pytest.raises(ProcessorFailed) as caught:
        stripe.charge(charge())
    assert KEY not in str(caught.value) and KEY not in json.dumps(str(caught.value.args))
