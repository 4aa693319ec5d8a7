"""The processor port (PaymentIntents-shaped) and the payment-method directory port.

Adapters: `sandbox` (deterministic, magic amounts) and `stripe` (Stripe's PaymentIntents API over
httpx). The service speaks only to these ports. Every call carries an idempotency key derived from our
own payment or refund id, so asking the processor again after a timeout never charges twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from cockpit.money import Money

if TYPE_CHECKING:
    from payments.models import Payment, Refund, RefundStatus, TrailEntry
    from payments.store import Ledger

MethodType = Literal["card", "alipay", "wechat_pay"]
CaptureMode = Literal["automatic", "manual"]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class PaymentMethod(Model):
    """A tokenized method: the processor's token id and what a driver recognises it by. Never a number."""

    id: str
    type: MethodType
    brand: str | None = None
    last4: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    default: bool = False


class ChargeRequest(Model):
    payment_id: str
    amount: Money
    method: PaymentMethod
    capture: CaptureMode
    description: str
    idempotency_key: str


class ProcessorPayment(Model):
    """The processor's view of a payment after a call (a PaymentIntent, trimmed)."""

    ref: str
    status: Literal["requires_capture", "succeeded", "canceled"]
    capturable: int = Field(ge=0)
    received: int = Field(ge=0)


class ProcessorRefund(Model):
    ref: str
    amount: int = Field(ge=0)
    status: Literal["succeeded", "pending"]


class ProcessorDeclined(Exception):
    """The processor refused (a card decline): certainly nothing moved."""


class ProcessorFailed(Exception):
    """The processor answered that it could not do it (an error it owns): certainly nothing moved."""


class ProcessorUnknown(Exception):
    """No usable answer (a timeout, garbage): the outcome is unknown until asked again with the same key."""

    def __init__(self, message: str, *, timed_out: bool) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class Processor(Protocol):
    name: str

    def charge(self, request: ChargeRequest) -> ProcessorPayment:
        """Create and confirm a payment: a hold (manual capture) or a charge (automatic)."""
        ...

    def capture(self, ref: str, amount: Money, idempotency_key: str) -> ProcessorPayment:
        """Take `amount` of a hold; the processor releases the rest."""
        ...

    def cancel(self, ref: str, idempotency_key: str) -> ProcessorPayment: ...

    def refund(self, ref: str, amount: Money, idempotency_key: str) -> ProcessorRefund:
        """Ask for a refund; `pending` means the processor has not settled it yet (it may still fail)."""
        ...

    def refund_status(self, ref: str, amount: Money) -> ProcessorRefund:
        """Where a refund the processor answered `pending` stands now (ProcessorFailed once it failed);
        `amount` is what was asked, for processors that keep no state."""
        ...


class MethodDirectory(Protocol):
    def methods(self, owner: str) -> Sequence[PaymentMethod]:
        """The vehicle's tokenized methods, default first."""
        ...


class PaymentRecords(Protocol):
    """Payments, their trail, refunds and per-vehicle ledgers (store.PaymentStore; an in-memory fake in
    tests). A change is a list of items the store builds, written all or nothing by `write`: each item
    carries its own condition, and `write` is False when one of them no longer holds."""

    def get(self, payment_id: str) -> Payment | None: ...

    def refund(self, payment_id: str, refund_id: str) -> Refund | None: ...

    def trail(self, payment_id: str) -> list[TrailEntry]: ...

    def refunds(self, payment_id: str) -> list[Refund]: ...

    def ledger(self, owner: str, currency: str) -> Ledger: ...

    def stuck(self) -> tuple[list[Payment], list[Refund]]:
        """Payments still `processing` and refunds still `pending`, for the reconciler."""
        ...

    def new_payment(self, p: Payment) -> dict[str, Any]: ...

    def next_payment(self, p: Payment, expected: Payment) -> dict[str, Any]:
        """Replace `expected` by `p` if nobody changed it meanwhile (same state and version)."""
        ...

    def trail_item(self, e: TrailEntry) -> dict[str, Any]: ...

    def new_refund(self, r: Refund) -> dict[str, Any]: ...

    def next_refund(self, r: Refund, expected: RefundStatus) -> dict[str, Any]: ...

    def ledger_item(self, ledger: Ledger) -> dict[str, Any]:
        """The ledger at its new version, if it is still at the version it was read at."""
        ...

    def lock(self, p: Payment, locked_until: float, now: float) -> bool:
        """Take the payment for one processor call, if nobody holds it and nobody changed it."""
        ...

    def unlock(self, p: Payment) -> None: ...

    def write(self, items: list[dict[str, Any]]) -> bool:
        """All of `items` at once; False when one of their conditions failed (nothing written)."""
        ...
