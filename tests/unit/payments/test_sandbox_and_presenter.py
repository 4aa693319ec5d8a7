"""The sandbox's magic amounts, the ledger's rolling day, the settings, and what the driver hears."""

from __future__ import annotations

import pytest

from cockpit.errors import ConfigurationError
from cockpit.money import Money
from payments import presenter
from payments.merchants import merchant
from payments.ports import ChargeRequest, ProcessorDeclined, ProcessorFailed, ProcessorUnknown
from payments.sandbox import SANDBOX_METHODS, SandboxMethods, SandboxProcessor
from payments.settings import PaymentsSettings
from payments.store import Ledger

VISA, MASTERCARD, ALIPAY, WECHAT = SANDBOX_METHODS
STAR = merchant("shanghai_star_charging")


def request(amount: int, capture: str = "automatic", key: str = "pay_1-charge") -> ChargeRequest:
    return ChargeRequest(
        payment_id="pay_1",
        amount=Money(amount=amount, currency="CNY"),
        method=VISA,
        capture=capture,  # type: ignore[arg-type]
        description="test",
        idempotency_key=key,
    )


class TestSandbox:
    def test_ordinary_amounts_succeed_deterministically(self) -> None:
        sandbox = SandboxProcessor()
        first = sandbox.charge(request(4550))
        assert (first.status, first.received) == ("succeeded", 4550)
        assert sandbox.charge(request(4550)).ref == first.ref  # the same key, the same reference
        assert sandbox.charge(request(4550, key="other")).ref != first.ref
        hold = sandbox.charge(request(14160, "manual"))
        assert (hold.status, hold.capturable, hold.received) == ("requires_capture", 14160, 0)

    @pytest.mark.parametrize(
        ("amount", "error"),
        [
            (402, ProcessorDeclined),
            (10402, ProcessorDeclined),
            (500, ProcessorFailed),
            (30500, ProcessorFailed),
            (502, ProcessorUnknown),
            (504, ProcessorUnknown),
        ],
    )
    def test_magic_amounts(self, amount: int, error: type[Exception]) -> None:
        sandbox = SandboxProcessor()
        with pytest.raises(error):
            sandbox.charge(request(amount))
        with pytest.raises(error):
            sandbox.capture("sbxpi_1", Money(amount=amount, currency="CNY"), "k")
        with pytest.raises(error):
            sandbox.refund("sbxpi_1", Money(amount=amount, currency="CNY"), "k")

    def test_only_the_timeout_is_a_timeout(self) -> None:
        with pytest.raises(ProcessorUnknown) as caught:
            SandboxProcessor().charge(request(504))
        assert caught.value.timed_out is True
        with pytest.raises(ProcessorUnknown) as caught:
            SandboxProcessor().charge(request(502))
        assert caught.value.timed_out is False

    def test_every_vehicle_has_the_same_methods_default_first_and_only_last_four(self) -> None:
        assert SandboxMethods().methods("vin-a") == SandboxMethods().methods("vin-b") == SANDBOX_METHODS
        assert [m.default for m in SANDBOX_METHODS] == [True, False, False, False]
        assert all(m.last4 is None or len(m.last4) == 4 for m in SANDBOX_METHODS)


class TestPresenter:
    def test_questions_in_both_languages(self) -> None:
        assert STAR is not None
        money = Money(amount=4550, currency="CNY")
        assert presenter.pay_question(money, STAR, VISA, "en-US", hold=False) == (
            "Pay ¥45.50 to Shanghai Star Charging with your card ending 4242?"
        )
        assert presenter.pay_question(money, STAR, VISA, "zh-CN", hold=False) == (
            "向上海星星充电支付 ¥45.50，使用尾号4242的银行卡？"
        )
        assert (
            presenter.pay_question(money, STAR, WECHAT, "zh-CN", hold=False)
            == "向上海星星充电支付 ¥45.50，使用微信支付？"
        )
        assert presenter.pay_question(money, STAR, ALIPAY, "en-US", hold=True) == (
            "Hold up to ¥45.50 for Shanghai Star Charging with Alipay?"
        )
        assert presenter.refund_question(money, STAR, MASTERCARD, "zh-CN") == (
            "退款 ¥45.50（上海星星充电的付款），退回尾号4444的银行卡？"
        )


class TestLedger:
    def test_the_rolling_day_forgets_what_is_older(self) -> None:
        ledger = Ledger(owner="vin", currency="CNY")
        ledger = ledger.with_entry("pay_a", 1000, at=100.0, keep_after=0)
        ledger = ledger.with_entry("pay_b", 2000, at=200.0, keep_after=0)
        assert ledger.version == 2
        assert ledger.spent_since(0) == 3000 and ledger.spent_since(150) == 2000
        assert ledger.spent_since(0, besides="pay_b") == 1000
        later = ledger.with_entry("pay_c", 500, at=300.0, keep_after=150)
        assert set(later.entries) == {"pay_b", "pay_c"}  # pay_a fell out of the day
        released = later.with_entry("pay_b", 0, at=200.0, keep_after=150)
        assert set(released.entries) == {"pay_c"} and released.version == 4


class TestSettings:
    BASE = {
        "PAYMENTS_TABLE": "t",
        "PAYMENTS_PROCESSOR": "sandbox",
        "PAYMENTS_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:000000000000:secret:x",
        "PAYMENTS_LIMITS": '{"CNY": {"per_payment": 200000, "per_day": 500000}}',
    }

    def test_limits_are_read_as_json(self) -> None:
        s = PaymentsSettings.from_env(self.BASE)
        assert s.limits["CNY"].per_day == 500000 and set(s.limits) == {"CNY"}

    @pytest.mark.parametrize(
        "limits",
        [
            '{"XYZ": {"per_payment": 1, "per_day": 1}}',
            '{"CNY": {"per_payment": 0, "per_day": 1}}',
            "{}",
            "not json",
        ],
    )
    def test_bad_limits_fail_loudly(self, limits: str) -> None:
        with pytest.raises(ConfigurationError):
            PaymentsSettings.from_env({**self.BASE, "PAYMENTS_LIMITS": limits})

    def test_limits_are_required(self) -> None:
        with pytest.raises(ConfigurationError):
            PaymentsSettings.from_env({k: v for k, v in self.BASE.items() if k != "PAYMENTS_LIMITS"})
