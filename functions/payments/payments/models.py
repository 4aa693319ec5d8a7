"""The payments tools' arguments and results (the JSON Schemas in the catalog say the same), and the
records the payments table keeps."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cockpit.money import Money
from cockpit.payment_commands import MethodRef
from payments.ports import CaptureMode, MethodType, PaymentMethod

PAYMENT_ID = r"^pay_[a-f0-9]{24}$"
METHOD_ID = r"^[A-Za-z0-9_.-]{1,64}$"
MERCHANT_ID = r"^[a-z][a-z0-9_]{0,63}$"
MAX_MINOR = 100_000_000  # beyond any single in-car payment in any currency: refused by the schema


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AmountArg(Args):
    """Money as a tool argument: minor units, and optionally the decimals the caller believes it has."""

    amount: int = Field(ge=1, le=MAX_MINOR, description="minor units (fen, cents): 4550 is 45.50 CNY")
    currency: str = Field(
        pattern=r"^[A-Z]{3}$", description="ISO 4217 code, one the gateway accepts (CNY, EUR, ...)"
    )
    exponent: int | None = Field(
        default=None,
        ge=0,
        le=4,
        description="optional: the currency's decimals as the caller counts them (2 for CNY, 0 for JPY); "
        "refused when wrong",
    )

    def money(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)


class ListMethodsArgs(Args):
    pass


class CreatePaymentArgs(Args):
    amount: AmountArg = Field(description="what to pay")
    merchant: str = Field(
        pattern=MERCHANT_ID,
        description="merchant id: a first-party domain (charging, booking) or a partner id",
    )
    purpose: str = Field(
        min_length=1, max_length=200, description="what the payment is for, as the driver would say it"
    )
    reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="the merchant's reference (a charging session id, a reservation id)",
    )
    method_id: str | None = Field(
        default=None,
        pattern=METHOD_ID,
        description="payment method id from payments_list_methods; the default if absent",
    )
    capture: CaptureMode = Field(default="automatic", description="automatic: charge now; manual: hold only")


class PaymentArgs(Args):
    payment_id: str = Field(pattern=PAYMENT_ID, description="payment id from payments_create_payment")


class RefundArgs(Args):
    payment_id: str = Field(pattern=PAYMENT_ID, description="payment id from payments_create_payment")
    amount: AmountArg | None = Field(
        default=None, description="how much to refund; what is left to refund if absent"
    )


class PaymentStatus(StrEnum):
    REQUIRES_CONFIRMATION = "requires_confirmation"  # the preview: asked, never stored
    PROCESSING = "processing"
    REQUIRES_CAPTURE = "requires_capture"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"
    FAILED = "failed"


# The state machine. Refunds are their own records and change a succeeded payment's sums, not its state.
TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.REQUIRES_CONFIRMATION: frozenset({PaymentStatus.PROCESSING}),
    PaymentStatus.PROCESSING: frozenset(
        {PaymentStatus.REQUIRES_CAPTURE, PaymentStatus.SUCCEEDED, PaymentStatus.FAILED}
    ),
    PaymentStatus.REQUIRES_CAPTURE: frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED}),
    PaymentStatus.SUCCEEDED: frozenset(),
    PaymentStatus.CANCELED: frozenset(),
    PaymentStatus.FAILED: frozenset(),
}


class Payment(BaseModel):
    """A payment as the payments table keeps it (sums in minor units of `amount.currency`)."""

    id: str
    owner: str
    merchant: str
    purpose: str
    reference: str | None = None
    method: PaymentMethod
    capture: CaptureMode
    amount: Money
    status: PaymentStatus
    version: int = Field(ge=1)
    authorized: int = 0
    captured: int = 0
    refunded: int = 0
    refund_reserved: int = 0  # succeeded and pending refunds: never above `captured`
    processor: str
    processor_ref: str | None = None
    failure: str | None = None
    failure_kind: Literal["declined", "failed"] | None = None
    locked_until: float = 0
    created_at: datetime
    updated_at: datetime

    def money(self, amount: int) -> Money:
        return Money(amount=amount, currency=self.amount.currency)


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Refund(BaseModel):
    id: str
    payment_id: str
    owner: str
    amount: Money
    status: RefundStatus
    processor_ref: str | None = None
    failure: str | None = None
    created_at: datetime


class TrailEntry(BaseModel):
    """One state change, appended and never updated: the sums of the deltas are the payment's sums."""

    payment_id: str
    seq: int
    event: str
    status: PaymentStatus
    authorized_delta: int = 0
    captured_delta: int = 0
    refunded_delta: int = 0
    refund_id: str | None = None
    at: datetime


class MethodView(BaseModel):
    id: str
    type: MethodType
    label: str
    default: bool
    brand: str | None = None
    last4: str | None = Field(default=None, pattern=r"^[0-9]{4}$")


class Methods(BaseModel):
    methods: list[MethodView]


class RefundView(BaseModel):
    id: str
    amount: Money
    status: RefundStatus


class PaymentView(BaseModel):
    id: str
    status: PaymentStatus
    amount: Money
    captured: Money
    refunded: Money
    merchant: str
    merchant_name: str
    purpose: str
    reference: str | None = None
    method: MethodRef
    capture: CaptureMode
    created_at: datetime
    failure: str | None = None


class OnePayment(BaseModel):
    payment: PaymentView


class RefundResult(BaseModel):
    payment: PaymentView
    refund: RefundView
