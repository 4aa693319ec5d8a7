"""Stripe's PaymentIntents API over httpx: create+confirm (manual or automatic capture), capture,
cancel, refunds (and a pending refund's status, `GET /v1/refunds/{id}`).

Bodies are form-encoded (`application/x-www-form-urlencoded`, nested keys as `metadata[payment_id]`),
amounts are integers in the smallest currency unit and currencies lower case, as Stripe expects. Every
POST carries an `Idempotency-Key` derived from our payment or refund id: Stripe answers a repeated key
with the first result, so asking again after a timeout never charges twice. A 402 `card_error` is a
decline; other 4xx are Stripe refusing the request (nothing happened); a timeout or an answer that is not
the documented object leaves the outcome unknown.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from cockpit import deadline
from cockpit.errors import UpstreamTimeout
from cockpit.money import Money
from payments.ports import (
    ChargeRequest,
    ProcessorDeclined,
    ProcessorFailed,
    ProcessorPayment,
    ProcessorRefund,
    ProcessorUnknown,
)

STRIPE_VERSION = "2024-06-20"


class _Intent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    object: str
    status: str
    amount: int
    amount_capturable: int = 0
    amount_received: int = 0
    currency: str


class _Refund(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    object: str
    amount: int
    status: str | None = None


class StripeProcessor:
    name = "stripe"

    def __init__(
        self, secret_key: str, *, base_url: str, timeout_s: float, client: httpx.Client | None = None
    ) -> None:
        self._base = base_url.rstrip("/")
        self._timeout = timeout_s
        self._client = client or httpx.Client()
        self._headers = {"Authorization": f"Bearer {secret_key}", "Stripe-Version": STRIPE_VERSION}

    def charge(self, request: ChargeRequest) -> ProcessorPayment:
        form = {
            "amount": str(request.amount.amount),
            "currency": request.amount.currency.lower(),
            "payment_method": request.method.id,
            "payment_method_types[]": _stripe_type(request.method.type),
            "confirm": "true",
            "capture_method": request.capture,
            "description": request.description[:200],
            "metadata[payment_id]": request.payment_id,
        }
        return self._intent(self._post("/v1/payment_intents", form, request.idempotency_key))

    def capture(self, ref: str, amount: Money, idempotency_key: str) -> ProcessorPayment:
        form = {"amount_to_capture": str(amount.amount)}
        return self._intent(self._post(f"/v1/payment_intents/{ref}/capture", form, idempotency_key))

    def cancel(self, ref: str, idempotency_key: str) -> ProcessorPayment:
        form = {"cancellation_reason": "requested_by_customer"}
        return self._intent(self._post(f"/v1/payment_intents/{ref}/cancel", form, idempotency_key))

    def refund(self, ref: str, amount: Money, idempotency_key: str) -> ProcessorRefund:
        form = {"payment_intent": ref, "amount": str(amount.amount)}
        return self._refund(self._post("/v1/refunds", form, idempotency_key))

    def refund_status(self, ref: str, amount: Money) -> ProcessorRefund:
        return self._refund(self._get(f"/v1/refunds/{ref}"))

    @staticmethod
    def _refund(body: dict[str, Any]) -> ProcessorRefund:
        try:
            refund = _Refund.model_validate(body)
        except ValidationError:
            raise ProcessorUnknown(
                "Stripe answered a refund that is not a refund object", timed_out=False
            ) from None
        if refund.object != "refund":
            raise ProcessorUnknown(f"Stripe answered a {refund.object}, not a refund", timed_out=False)
        if refund.status in ("failed", "canceled"):
            raise ProcessorFailed(f"Stripe could not refund ({refund.status})")
        status = "succeeded" if refund.status == "succeeded" else "pending"
        return ProcessorRefund(ref=refund.id, amount=refund.amount, status=status)

    @staticmethod
    def _intent(body: dict[str, Any]) -> ProcessorPayment:
        try:
            intent = _Intent.model_validate(body)
        except ValidationError:
            raise ProcessorUnknown(
                "Stripe answered something that is not a PaymentIntent", timed_out=False
            ) from None
        if intent.object != "payment_intent":
            raise ProcessorUnknown(
                f"Stripe answered a {intent.object}, not a payment_intent", timed_out=False
            )
        if intent.status in ("requires_capture", "succeeded", "canceled"):
            return ProcessorPayment(
                ref=intent.id,
                status=intent.status,
                capturable=intent.amount_capturable,
                received=intent.amount_received,
            )
        if intent.status in ("requires_payment_method", "requires_action", "requires_confirmation"):
            # Confirmed without a usable method, or one that needs the customer (3-D Secure) away from
            # the car: the payment did not go through.
            raise ProcessorDeclined(f"Stripe could not confirm the payment ({intent.status})")
        raise ProcessorUnknown(f"Stripe's PaymentIntent is {intent.status}", timed_out=False)

    def _post(self, path: str, form: dict[str, str], idempotency_key: str) -> dict[str, Any]:
        headers = {**self._headers, "Idempotency-Key": idempotency_key}
        return self._send("POST", path, headers, form)

    def _get(self, path: str) -> dict[str, Any]:
        return self._send("GET", path, self._headers, None)

    def _send(
        self, method: str, path: str, headers: dict[str, str], form: dict[str, str] | None
    ) -> dict[str, Any]:
        try:  # nothing is sent when the request has no time left: asked again later, under the same key
            timeout = deadline.budget(self._timeout, "Stripe")
        except UpstreamTimeout:
            raise ProcessorUnknown("no time left in this request to ask Stripe", timed_out=True) from None
        try:
            response = self._client.request(
                method, self._base + path, data=form, headers=headers, timeout=timeout
            )
        except httpx.TimeoutException:
            raise ProcessorUnknown("Stripe did not answer in time", timed_out=True) from None
        except httpx.HTTPError as exc:
            raise ProcessorUnknown(
                f"Stripe could not be reached ({type(exc).__name__})", timed_out=False
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ProcessorUnknown(
                f"Stripe answered {response.status_code} without a JSON object", timed_out=False
            )
        if response.is_success:
            return body
        raise _error(response.status_code, body)


def _error(status: int, body: dict[str, Any]) -> Exception:
    error = body.get("error")
    if not isinstance(error, dict):
        return ProcessorUnknown(f"Stripe answered {status} without an error object", timed_out=False)
    kind, code = str(error.get("type", "")), str(error.get("code", "") or error.get("decline_code", ""))
    why = f"{kind}{': ' + code if code else ''}"
    if status == 402 or kind == "card_error":
        return ProcessorDeclined(f"the card was declined ({why})")
    if status == 409 and kind == "idempotency_error":
        return ProcessorFailed(f"Stripe refused a reused idempotency key ({why})")
    if status >= 500 or status == 429:
        return ProcessorUnknown(f"Stripe answered {status} ({why})", timed_out=False)
    return ProcessorFailed(f"Stripe refused the request: {status} ({why})")


def _stripe_type(method_type: str) -> str:
    return {"card": "card", "alipay": "alipay", "wechat_pay": "wechat_pay"}[method_type]
