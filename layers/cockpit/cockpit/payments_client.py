"""How other domains (charging, booking) move money: payment commands to the payments function.

API Gateway never reaches payments directly; tools reach it through the dispatcher, and domains through
this client: a Lambda Invoke with an internal `payment_command` event. `authorize` places a hold
(manual capture) of at most an amount, `capture` takes the actual amount and releases the rest,
`cancel` voids the hold. `quote` checks a method and an amount and names the method for a question to
the driver, changing nothing; `refund` gives back (part of) a captured payment, once per key (booking,
when a prepaid reservation is canceled). Payment ids are derived by the payments function from
(caller, domain, key), so a retried or duplicated authorize finds its own payment instead of holding
twice.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cockpit.dispatch.targets import invoke_function
from cockpit.errors import Problem, UpstreamError, from_problem
from cockpit.money import Money
from cockpit.tools.model import Caller

Action = Literal["quote", "authorize", "capture", "cancel", "refund"]


class PaymentCommand(BaseModel):
    """The internal event a domain sends to the payments function."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["payment_command"] = "payment_command"
    action: Action
    caller: Caller
    domain: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$", description="the merchant: the calling domain")
    key: str | None = Field(
        default=None, min_length=1, max_length=255, description="authorize, refund: what the id derives from"
    )
    payment_id: str | None = Field(default=None, pattern=r"^pay_[a-f0-9]{24}$")
    amount: Money | None = None
    method_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    purpose: str | None = Field(default=None, max_length=200)
    reference: str | None = Field(default=None, max_length=128)
    locale: str = "en-US"


class MethodRef(BaseModel):
    id: str
    type: Literal["card", "alipay", "wechat_pay"]
    label: str


class PaymentRef(BaseModel):
    """What a domain needs to know of a payment."""

    id: str
    status: str
    amount: Money
    captured: Money
    refunded: Money
    method: MethodRef


class RefundRef(BaseModel):
    id: str
    amount: Money
    status: str


class CommandAnswer(BaseModel):
    status: Literal["succeeded", "failed"]
    payment: PaymentRef | None = None
    method: MethodRef | None = None
    refund: RefundRef | None = None
    error: Problem | None = None


class Payments(Protocol):
    """The payments function as other domains use it (charging, booking): PaymentsClient, or a fake."""

    def quote(
        self, caller: Caller, domain: str, amount: Money, method_id: str | None, locale: str
    ) -> MethodRef:
        """Name the method for the question to the driver, after checking it and the amount; no change."""
        ...

    def authorize(
        self,
        caller: Caller,
        domain: str,
        key: str,
        amount: Money,
        method_id: str | None,
        purpose: str,
        reference: str | None = None,
    ) -> PaymentRef: ...

    def capture(self, caller: Caller, domain: str, payment_id: str, amount: Money) -> PaymentRef: ...

    def cancel(self, caller: Caller, domain: str, payment_id: str) -> PaymentRef: ...

    def cancel_by_key(self, caller: Caller, domain: str, key: str) -> PaymentRef | None:
        """Void the hold placed with `key` (authorize's key), if there is one; None when nothing was held."""
        ...

    def refund(
        self, caller: Caller, domain: str, payment_id: str, key: str, amount: Money | None = None
    ) -> tuple[PaymentRef, RefundRef]: ...


class PaymentsClient:
    """Synchronous payment commands over Lambda Invoke; a refusal comes back as its ProblemError."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name

    def quote(
        self, caller: Caller, domain: str, amount: Money, method_id: str | None, locale: str
    ) -> MethodRef:
        command = PaymentCommand(
            action="quote", caller=caller, domain=domain, amount=amount, method_id=method_id, locale=locale
        )
        answer = self._send(command)
        if answer.method is None:
            raise UpstreamError("payments: a quote without a method")
        return answer.method

    def authorize(
        self,
        caller: Caller,
        domain: str,
        key: str,
        amount: Money,
        method_id: str | None,
        purpose: str,
        reference: str | None = None,
    ) -> PaymentRef:
        command = PaymentCommand(
            action="authorize",
            caller=caller,
            domain=domain,
            key=key,
            amount=amount,
            method_id=method_id,
            purpose=purpose,
            reference=reference,
        )
        return self._payment(command)

    def capture(self, caller: Caller, domain: str, payment_id: str, amount: Money) -> PaymentRef:
        command = PaymentCommand(
            action="capture", caller=caller, domain=domain, payment_id=payment_id, amount=amount
        )
        return self._payment(command)

    def cancel(self, caller: Caller, domain: str, payment_id: str) -> PaymentRef:
        return self._payment(
            PaymentCommand(action="cancel", caller=caller, domain=domain, payment_id=payment_id)
        )

    def cancel_by_key(self, caller: Caller, domain: str, key: str) -> PaymentRef | None:
        return self._send(PaymentCommand(action="cancel", caller=caller, domain=domain, key=key)).payment

    def refund(
        self, caller: Caller, domain: str, payment_id: str, key: str, amount: Money | None = None
    ) -> tuple[PaymentRef, RefundRef]:
        """Give back `amount` (all that is left if None) of a captured payment; the same key refunds once."""
        command = PaymentCommand(
            action="refund", caller=caller, domain=domain, payment_id=payment_id, key=key, amount=amount
        )
        answer = self._send(command)
        if answer.payment is None or answer.refund is None:
            raise UpstreamError("payments: refund answered without a payment and a refund")
        return answer.payment, answer.refund

    def _payment(self, command: PaymentCommand) -> PaymentRef:
        answer = self._send(command)
        if answer.payment is None:
            raise UpstreamError(f"payments: {command.action} answered without a payment")
        return answer.payment

    def _send(self, command: PaymentCommand) -> CommandAnswer:
        what = f"payments {command.action}"
        payload = invoke_function(self.function_name, command.model_dump_json().encode(), what)
        try:
            answer = CommandAnswer.model_validate_json(payload)
        except ValidationError:
            raise UpstreamError(f"payments: {command.action} answered malformed data") from None
        if answer.status == "failed":
            raise from_problem(answer.error or UpstreamError("payments failed without a problem").problem())
        return answer
