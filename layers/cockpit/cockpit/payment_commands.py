"""The payment commands other domains send the payments function (`payments.<action>`, in the one
internal envelope of `cockpit.internal`): their arguments and results. Models only, so the payments
function that serves them imports no client (`cockpit.payments_client` sends them)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cockpit.money import Money

Action = Literal["quote", "authorize", "capture", "cancel", "refund"]
ACTIONS: tuple[Action, ...] = ("quote", "authorize", "capture", "cancel", "refund")


def command_name(action: Action) -> str:
    return f"payments.{action}"


class PaymentCommand(BaseModel):
    """The arguments of a payment command (who asks, and in which language, travel in the envelope)."""

    model_config = ConfigDict(extra="forbid")

    domain: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$", description="the merchant: the calling domain")
    key: str | None = Field(
        default=None, min_length=1, max_length=255, description="authorize, refund: what the id derives from"
    )
    payment_id: str | None = Field(default=None, pattern=r"^pay_[a-f0-9]{24}$")
    amount: Money | None = None
    method_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    purpose: str | None = Field(default=None, max_length=200)
    reference: str | None = Field(default=None, max_length=128)


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


class CommandResult(BaseModel):
    """The result of a payment command: the payment, the method (quote) and the refund, as they apply."""

    payment: PaymentRef | None = None
    method: MethodRef | None = None
    refund: RefundRef | None = None
