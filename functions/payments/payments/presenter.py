"""What the driver hears and sees: method labels and
the confirmation questions, in the session's locale (zh-CN or en-US)."""

from __future__ import annotations

from cockpit.money import Money
from payments.merchants import Merchant
from payments.ports import PaymentMethod


def method_label(method: PaymentMethod, locale: str) -> str:
    zh = locale == "zh-CN"
    if method.type == "alipay":
        return "支付宝" if zh else "Alipay"
    if method.type == "wechat_pay":
        return "微信支付" if zh else "WeChat Pay"
    brand = method.brand or ("银行卡" if zh else "Card")
    return f"{brand} 尾号{method.last4}" if zh else f"{brand} ending {method.last4}"


def _with(method: PaymentMethod, locale: str) -> str:
    """How the question names the method: "with your card ending 4242" / "使用尾号4242的银行卡"."""
    zh = locale == "zh-CN"
    if method.type == "card":
        return f"使用尾号{method.last4}的银行卡" if zh else f"with your card ending {method.last4}"
    return f"使用{method_label(method, locale)}" if zh else f"with {method_label(method, locale)}"


def pay_question(amount: Money, merchant: Merchant, method: PaymentMethod, locale: str, *, hold: bool) -> str:
    name = merchant.name(locale)
    if locale == "zh-CN":
        verb = "预授权" if hold else "支付"
        return f"向{name}{verb} {amount.text(locale)}，{_with(method, locale)}？"
    if hold:
        return f"Hold up to {amount.text(locale)} for {name} {_with(method, locale)}?"
    return f"Pay {amount.text(locale)} to {name} {_with(method, locale)}?"


def refund_question(amount: Money, merchant: Merchant, method: PaymentMethod, locale: str) -> str:
    name = merchant.name(locale)
    if locale == "zh-CN":
        back = f"尾号{method.last4}的银行卡" if method.type == "card" else method_label(method, locale)
        return f"退款 {amount.text(locale)}（{name}的付款），退回{back}？"
    back = f"your card ending {method.last4}" if method.type == "card" else method_label(method, locale)
    return f"Refund {amount.text(locale)} of your payment to {name} to {back}?"
