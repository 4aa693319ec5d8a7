"""How other domains (charging, booking) move money: payment commands to the payments function.

API Gateway never reaches payments directly; tools reach it through the dispatcher, and domains through
this client: internal commands (`payments.<action>`) in the one function-to-function envelope
(`cockpit.internal`). `authorize` places a hold (manual capture) of at most an amount, `capture` takes
the actual amount and releases the rest, `cancel` voids the hold. `quote` checks a method and an amount
and names the method for a question to the driver, changing nothing; `refund` gives back (part of) a
captured payment, once per key (booking, when a prepaid reservation is canceled). Payment ids are
derived by the payments function from (caller, domain, key), so a retried or duplicated authorize finds
its own payment instead of holding twice.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import ValidationError

from cockpit.errors import Conflict, UpstreamError
from cockpit.internal import FunctionClient, Pointers
from cockpit.money import Money
from cockpit.payment_commands import (
    Action,
    CommandResult,
    MethodRef,
    PaymentCommand,
    PaymentRef,
    RefundRef,
    command_name,
)
from cockpit.tools.model import Caller

# A refusal names the command's `method_id`; the domains' tools call that argument `payment_method_id`.
DOMAIN_POINTERS: Pointers = {"/arguments/method_id": "/arguments/payment_method_id"}


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
    """Synchronous payment commands; a refusal comes back as its ProblemError, its pointers moved into
    the calling domain's arguments (`pointers`, DOMAIN_POINTERS by default)."""

    def __init__(self, function_name: str, pointers: Pointers = DOMAIN_POINTERS) -> None:
        self.client = FunctionClient(function_name)
        self.pointers = pointers

    def quote(
        self, caller: Caller, domain: str, amount: Money, method_id: str | None, locale: str
    ) -> MethodRef:
        answer = self._send(
            "quote", caller, {"domain": domain, "amount": amount, "method_id": method_id}, locale
        )
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
        command = {"domain": domain, "key": key, "amount": amount, "method_id": method_id}
        held = self._payment("authorize", caller, command | {"purpose": purpose, "reference": reference})
        if held.status != "requires_capture":
            # payments answers the payment this key made before: a hold voided when an earlier attempt
            # failed holds nothing, and going on with it would be charging or booking without a hold
            raise Conflict(
                f"the card hold of this request was released when an earlier attempt failed "
                f"(it is {held.status}); try again with a new Idempotency-Key"
            )
        return held

    def capture(self, caller: Caller, domain: str, payment_id: str, amount: Money) -> PaymentRef:
        command = {"domain": domain, "payment_id": payment_id, "amount": amount}
        return self._payment("capture", caller, command)

    def cancel(self, caller: Caller, domain: str, payment_id: str) -> PaymentRef:
        return self._payment("cancel", caller, {"domain": domain, "payment_id": payment_id})

    def cancel_by_key(self, caller: Caller, domain: str, key: str) -> PaymentRef | None:
        return self._send("cancel", caller, {"domain": domain, "key": key}).payment

    def refund(
        self, caller: Caller, domain: str, payment_id: str, key: str, amount: Money | None = None
    ) -> tuple[PaymentRef, RefundRef]:
        """Give back `amount` (all that is left if None) of a captured payment; the same key refunds once."""
        command = {"domain": domain, "payment_id": payment_id, "key": key, "amount": amount}
        answer = self._send("refund", caller, command)
        if answer.payment is None or answer.refund is None:
            raise UpstreamError("payments: refund answered without a payment and a refund")
        return answer.payment, answer.refund

    def _payment(self, action: Action, caller: Caller, command: dict[str, Any]) -> PaymentRef:
        answer = self._send(action, caller, command)
        if answer.payment is None:
            raise UpstreamError(f"payments: {action} answered without a payment")
        return answer.payment

    def _send(
        self, action: Action, caller: Caller, command: dict[str, Any], locale: str = "en-US"
    ) -> CommandResult:
        name = command_name(action)
        result = self.client.command(
            name, PaymentCommand, command, caller, locale=locale, pointers=self.pointers
        )
        try:
            return CommandResult.model_validate(result)
        except ValidationError:
            raise UpstreamError(f"payments: {action} answered malformed data") from None
