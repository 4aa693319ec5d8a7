"""What the driver hears and sees: money with its currency's symbol and decimals, method labels, and
the confirmation questions, in the session's locale (zh-CN or en-US)."""

from __future__ import annotations

from cockpit.money import CURRENCY_EXPONENTS, Money
from payments.merchants import Merchant
from payments.ports import PaymentMethod

SYMBOLS = {"CNY": "¥", "EUR": "€", "USD": "$", "GBP": "£", "HKD": "HK$", "JPY": "JP¥", "KRW": "₩"}


def money_text(m: Money) -> str:
    """¥45.50, €12.00, JP¥4550: the currency's own number of decimals."""
    exponent = CURRENCY_EXPONENTS[m.currency]
    return f"{SYMBOLS.get(m.currency, m.currency + ' ')}{m.to_major():.{exponent}f}"


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
        return f"向{name}{verb} {money_text(amount)}，{_with(method, locale)}？"
    if hold:
        return f"Hold up to {money_text(amount)} for {name} {_with(method, locale)}?"
    return f"Pay {money_text(amount)} to {name} {_with(method, locale)}?"


def refund_question(amount: Money, merchant: Merchant, method: PaymentMethod, locale: str) -> str:
    name = merchant.name(locale)
    if locale == "zh-CN":
        back = f"尾号{method.last4}的银行卡" if method.type == "card" else method_label(method, locale)
        return f"退款 {money_text(amount)}（{name}的付款），退回{back}？"
    back = f"your card ending {method.last4}" if method.type == "card" else method_label(method, locale)
    return f"Refund {money_text(amount)} of your payment to {name} to {back}?"
