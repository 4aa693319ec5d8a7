"""The payments tools through the router: confirmation first, the payment once, refunds never above what
was captured. The payments function runs behind real Lambda Invoke payloads (served in-process) over
DynamoDB from moto, with the sandbox processor and its magic amounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cockpit_dev.template import Template
from payments.models import TrailEntry
from payments.store import PaymentStore
from router.handler import lambda_handler as router
from tests.support import events as ev
from tests.support.aws import snapshot

CAR = "vin-pay-1"
STAR = "shanghai_star_charging"


def cny(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "CNY"}


def pay_args(amount: int = 4550, **more: Any) -> dict[str, Any]:
    return {"amount": cny(amount), "merchant": STAR, "purpose": "charging at People's Square", **more}


def call(tool: str, arguments: Any, sub: str = CAR, **kw: Any) -> dict[str, Any]:
    return router(ev.invoke(tool, arguments, sub=sub, **kw), None)


def ask(tool: str, arguments: dict[str, Any], key: str, sub: str = CAR, **kw: Any) -> dict[str, Any]:
    asked = ev.body(call(tool, arguments, key=key, sub=sub, **kw))
    assert asked["status"] == "confirmation_required", asked
    return asked["confirmation"]  # type: ignore[no-any-return]


def confirmed(tool: str, arguments: dict[str, Any], key: str, sub: str = CAR) -> dict[str, Any]:
    token = ask(tool, arguments, key, sub)["token"]
    return call(tool, arguments, key=key, sub=sub, body={"confirmation_token": token})


def paid(amount: int = 4550, key: str = "pay-1", **more: Any) -> dict[str, Any]:
    out = confirmed("payments_create_payment", pay_args(amount, **more), key)
    assert out["statusCode"] == 200, out
    return ev.body(out)["result"]["payment"]  # type: ignore[no-any-return]


def store(gateway: Template) -> PaymentStore:
    return PaymentStore(gateway.tables["PaymentsTable"].name)


def sums(trail: list[TrailEntry]) -> dict[str, int]:
    return {
        "authorized": sum(e.authorized_delta for e in trail),
        "captured": sum(e.captured_delta for e in trail),
        "refunded": sum(e.refunded_delta for e in trail),
    }


@pytest.fixture
def unchanged(gateway: Template) -> Iterator[None]:
    """Asserts at the end of the test that no table changed."""
    before = snapshot(gateway)
    yield
    assert snapshot(gateway) == before


def test_methods_default_first_and_no_card_numbers(gateway: Template) -> None:
    out = call("payments_list_methods", {})
    methods = ev.body(out)["result"]["methods"]
    assert methods[0]["default"] is True and [m["default"] for m in methods[1:]] == [False] * 3
    assert {m["type"] for m in methods} == {"card", "alipay", "wechat_pay"}
    assert methods[0] == {
        "id": "pm_card_visa",
        "type": "card",
        "label": "Visa ending 4242",
        "default": True,
        "brand": "Visa",
        "last4": "4242",
    }
    assert "4242424242424242" not in out["body"]
    zh = ev.body(call("payments_list_methods", {}, headers={"Accept-Language": "zh-CN"}))["result"]
    assert [m["label"] for m in zh["methods"]] == [
        "Visa 尾号4242",
        "Mastercard 尾号4444",
        "支付宝",
        "微信支付",
    ]


def test_the_question_names_amount_merchant_and_card_in_the_drivers_language(gateway: Template) -> None:
    en = ask("payments_create_payment", pay_args(), "q-1")
    assert en["summary"] == "Pay ¥45.50 to Shanghai Star Charging with your card ending 4242?"
    zh = ask("payments_create_payment", pay_args(), "q-1", headers={"Accept-Language": "zh-CN"})
    assert zh["summary"] == "向上海星星充电支付 ¥45.50，使用尾号4242的银行卡？"
    eur = {
        "amount": {"amount": 1290, "currency": "EUR"},
        "merchant": "munich_city_parking",
        "purpose": "parking",
    }
    alipay = ask("payments_create_payment", {**eur, "method_id": "pm_alipay"}, "q-2")
    assert alipay["summary"] == "Pay €12.90 to Munich City Parking with Alipay?"
    yen = {"amount": {"amount": 4550, "currency": "JPY"}, "merchant": STAR, "purpose": "x"}
    assert ask("payments_create_payment", yen, "q-3")["summary"].startswith("Pay JP¥4550 to")


def test_nothing_happens_before_the_yes(gateway: Template) -> None:
    before = snapshot(gateway)[gateway.tables["PaymentsTable"].name]
    ask("payments_create_payment", pay_args(), "q-1")
    assert snapshot(gateway)[gateway.tables["PaymentsTable"].name] == before == []


def test_pay_get_and_the_trail_adds_up(gateway: Template) -> None:
    payment = paid(4550, reference="cs_0123")
    assert payment["status"] == "succeeded"
    assert payment["amount"] == payment["captured"] == cny(4550) and payment["refunded"] == cny(0)
    assert payment["method"] == {"id": "pm_card_visa", "type": "card", "label": "Visa ending 4242"}
    got = ev.body(call("payments_get_payment", {"payment_id": payment["id"]}))["result"]["payment"]
    assert got == payment
    trail = store(gateway).trail(payment["id"])
    assert [e.event for e in trail] == ["created", "captured"]
    assert [e.seq for e in trail] == [1, 2]
    assert sums(trail) == {"authorized": 0, "captured": 4550, "refunded": 0}


def test_the_same_key_again_is_the_same_payment_not_a_second_charge(gateway: Template) -> None:
    first = paid(4550, key="pay-1")
    # The same key again answers the first payment at once: no second question, no second charge.
    replay = call("payments_create_payment", pay_args(4550), key="pay-1")
    again = ev.body(replay)["result"]["payment"]
    assert again == first
    other = paid(4550, key="pay-2")
    assert other["id"] != first["id"]
    assert len(store(gateway).trail(first["id"])) == 2


def test_a_manual_capture_payment_is_a_hold(gateway: Template) -> None:
    held = paid(2000, capture="manual")
    assert held["status"] == "requires_capture" and held["captured"] == cny(0)
    assert sums(store(gateway).trail(held["id"])) == {"authorized": 2000, "captured": 0, "refunded": 0}
    summary = ask("payments_create_payment", pay_args(2000, capture="manual"), "q-9")["summary"]
    assert summary == "Hold up to ¥20.00 for Shanghai Star Charging with your card ending 4242?"


def test_partial_refunds_add_up_and_never_pass_what_was_captured(gateway: Template) -> None:
    payment = paid(4550)
    question = ask("payments_refund_payment", {"payment_id": payment["id"], "amount": cny(1000)}, "r-1")
    assert (
        question["summary"]
        == "Refund ¥10.00 of your payment to Shanghai Star Charging to your card ending 4242?"
    )
    first = confirmed("payments_refund_payment", {"payment_id": payment["id"], "amount": cny(1000)}, "r-1")
    doc = ev.body(first)["result"]
    assert doc["refund"]["amount"] == cny(1000) and doc["refund"]["status"] == "succeeded"
    assert doc["payment"]["refunded"] == cny(1000)
    rest = ev.body(confirmed("payments_refund_payment", {"payment_id": payment["id"]}, "r-2"))["result"]
    assert rest["refund"]["amount"] == cny(3550) and rest["payment"]["refunded"] == cny(4550)
    before = snapshot(gateway)
    doc = ev.is_problem(
        call("payments_refund_payment", {"payment_id": payment["id"], "amount": cny(1)}, key="r-3"),
        409,
        "refund-exceeds-captured",
    )
    assert "nothing" in doc["detail"] or "left" in doc["detail"]
    assert snapshot(gateway) == before
    trail = store(gateway).trail(payment["id"])
    assert sums(trail) == {"authorized": 0, "captured": 4550, "refunded": 4550}
    assert [e.event for e in trail].count("refunded") == 2
    refunds = store(gateway).refunds(payment["id"])
    assert sum(r.amount.amount for r in refunds) == 4550


def test_a_refund_larger_than_what_is_left_is_refused_and_nothing_moves(gateway: Template) -> None:
    payment = paid(4550)
    confirmed("payments_refund_payment", {"payment_id": payment["id"], "amount": cny(4000)}, "r-1")
    before = snapshot(gateway)
    doc = ev.is_problem(
        call("payments_refund_payment", {"payment_id": payment["id"], "amount": cny(600)}, key="r-2"),
        409,
        "refund-exceeds-captured",
    )
    assert "¥5.50 is left to refund" in doc["detail"]
    assert snapshot(gateway) == before


def test_a_hold_cannot_be_refunded(gateway: Template) -> None:
    held = paid(2000, capture="manual")
    before = snapshot(gateway)
    ev.is_problem(
        call("payments_refund_payment", {"payment_id": held["id"]}, key="r-1"), 409, "payment-state-conflict"
    )
    assert snapshot(gateway) == before


def test_another_vehicles_payment_does_not_exist(gateway: Template) -> None:
    payment = paid(4550)
    before = snapshot(gateway)
    ev.is_problem(call("payments_get_payment", {"payment_id": payment["id"]}, sub="vin-other"), 404)
    ev.is_problem(
        call("payments_refund_payment", {"payment_id": payment["id"]}, key="r-1", sub="vin-other"), 404
    )
    assert snapshot(gateway) == before


class TestBadInput:
    """Each bad input: its own problem document, and DynamoDB as it was (no token, no payment)."""

    @pytest.mark.parametrize(
        ("amount", "pointer"),
        [
            (cny(0), "/arguments/amount/amount"),
            (cny(-4550), "/arguments/amount/amount"),
            ({"amount": 45.5, "currency": "CNY"}, "/arguments/amount/amount"),
            ({"amount": "45.50", "currency": "CNY"}, "/arguments/amount/amount"),
            (cny(10**12), "/arguments/amount/amount"),
            ({"amount": 4550, "currency": "cny"}, "/arguments/amount/currency"),
            ({"amount": 4550}, "/arguments/amount"),
        ],
    )
    def test_amounts_the_schema_refuses(self, unchanged: None, amount: Any, pointer: str) -> None:
        doc = ev.is_problem(call("payments_create_payment", pay_args() | {"amount": amount}, key="k"), 422)
        assert pointer in [e["pointer"] for e in doc["errors"]]

    def test_an_absurd_amount_within_the_schema_passes_no_limit(self, unchanged: None) -> None:
        doc = ev.is_problem(
            call("payments_create_payment", pay_args(90_000_000), key="k"), 422, "payment-limit-exceeded"
        )
        assert "¥900000.00 is above the ¥2000.00 limit per payment" in doc["detail"]
        assert doc["errors"][0]["pointer"] == "/arguments/amount/amount"

    @pytest.mark.parametrize("currency", ["XXX", "KRW"])
    def test_a_currency_not_accepted(self, unchanged: None, currency: str) -> None:
        args = pay_args() | {"amount": {"amount": 4550, "currency": currency}}
        doc = ev.is_problem(call("payments_create_payment", args, key="k"), 422, "validation-failed")
        assert doc["errors"][0]["pointer"] == "/arguments/amount/currency"
        assert "CNY" in doc["detail"]

    @pytest.mark.parametrize(("currency", "exponent"), [("CNY", 0), ("CNY", 3), ("JPY", 2)])
    def test_a_currency_with_the_wrong_number_of_decimals(
        self, unchanged: None, currency: str, exponent: int
    ) -> None:
        args = pay_args() | {"amount": {"amount": 4550, "currency": currency, "exponent": exponent}}
        doc = ev.is_problem(call("payments_create_payment", args, key="k"), 422, "validation-failed")
        assert doc["errors"][0]["pointer"] == "/arguments/amount/exponent"

    def test_an_unknown_method(self, unchanged: None) -> None:
        doc = ev.is_problem(call("payments_create_payment", pay_args(method_id="pm_card_amex"), key="k"), 422)
        assert doc["errors"][0]["pointer"] == "/arguments/method_id"

    def test_an_unknown_merchant(self, unchanged: None) -> None:
        doc = ev.is_problem(
            call("payments_create_payment", pay_args() | {"merchant": "evil_corp"}, key="k"), 422
        )
        assert doc["errors"][0]["pointer"] == "/arguments/merchant"

    def test_without_an_idempotency_key(self, unchanged: None) -> None:
        ev.is_problem(call("payments_create_payment", pay_args()), 400, "idempotency-key-required")

    def test_a_refund_in_another_currency(self, gateway: Template) -> None:
        payment = paid(4550)
        before = snapshot(gateway)
        args = {"payment_id": payment["id"], "amount": {"amount": 100, "currency": "EUR"}}
        doc = ev.is_problem(call("payments_refund_payment", args, key="r"), 422)
        assert doc["errors"][0]["pointer"] == "/arguments/amount/currency"
        assert snapshot(gateway) == before

    def test_an_unknown_payment(self, unchanged: None) -> None:
        ev.is_problem(call("payments_get_payment", {"payment_id": "pay_" + "0" * 24}), 404, "not-found")


class TestForgedConfirmation:
    """A token is bound to the exact arguments: another amount, currency or merchant is refused, and
    nothing moves (no payment, the token and the key as they were)."""

    @pytest.mark.parametrize(
        "changed",
        [
            {"amount": cny(4551)},
            {"amount": {"amount": 4550, "currency": "EUR"}},
            {"merchant": "bund_parking"},
            {"method_id": "pm_card_mastercard"},
        ],
        ids=["amount", "currency", "merchant", "method"],
    )
    def test_a_token_for_other_arguments(self, gateway: Template, changed: dict[str, Any]) -> None:
        token = ask("payments_create_payment", pay_args(), "k-1")["token"]
        before = snapshot(gateway)
        forged = pay_args() | changed
        out = call("payments_create_payment", forged, key="k-1", body={"confirmation_token": token})
        ev.is_problem(out, 409, "confirmation-invalid")
        assert snapshot(gateway) == before
        # the driver's yes still stands for what was asked, exactly once
        done = call("payments_create_payment", pay_args(), key="k-1", body={"confirmation_token": token})
        assert ev.body(done)["result"]["payment"]["amount"] == cny(4550)
        again = call("payments_create_payment", pay_args(), key="k-2", body={"confirmation_token": token})
        ev.is_problem(again, 409, "confirmation-invalid")

    def test_a_token_for_another_tool(self, gateway: Template) -> None:
        payment = paid(4550)
        token = ask("payments_refund_payment", {"payment_id": payment["id"]}, "r-1")["token"]
        before = snapshot(gateway)
        out = call("payments_create_payment", pay_args(), key="k-9", body={"confirmation_token": token})
        ev.is_problem(out, 409, "confirmation-invalid")
        assert snapshot(gateway) == before

    def test_a_token_of_another_vehicle(self, gateway: Template) -> None:
        token = ask("payments_create_payment", pay_args(), "k-1", sub="vin-other")["token"]
        before = snapshot(gateway)
        out = call("payments_create_payment", pay_args(), key="k-1", body={"confirmation_token": token})
        ev.is_problem(out, 409, "confirmation-invalid")
        assert snapshot(gateway) == before


class TestProcessorTrouble:
    """Magic amounts of the sandbox: a decline, a failure, garbage, a timeout. Each its own problem; the
    trail shows nothing moved."""

    @pytest.mark.parametrize(
        ("amount", "status", "slug", "state"),
        [
            (10402, 402, "payment-declined", "failed"),
            (10500, 502, "upstream-bad-response", "failed"),
            (10502, 502, "upstream-bad-response", "processing"),
            (10504, 504, "upstream-timeout", "processing"),
        ],
        ids=["decline", "failure", "garbage", "timeout"],
    )
    def test_nothing_moved(self, gateway: Template, amount: int, status: int, slug: str, state: str) -> None:
        out = confirmed("payments_create_payment", pay_args(amount), "k-1")
        doc = ev.is_problem(out, status, slug)
        assert ("retrying is safe" in doc["detail"]) == (state == "processing")
        items = snapshot(gateway)[gateway.tables["PaymentsTable"].name]
        (payment_item,) = [i for i in items if i["sk"]["S"] == "PAYMENT"]
        pid = payment_item["pk"]["S"].removeprefix("PAY#")
        assert payment_item["state"]["S"] == state
        assert sums(store(gateway).trail(pid)) == {"authorized": 0, "captured": 0, "refunded": 0}
        ledger = store(gateway).ledger(CAR, "CNY")
        # A definite refusal frees the vehicle's daily headroom; an unknown outcome keeps it held.
        assert ledger.spent_since(0) == (0 if state == "failed" else amount)

    def test_a_declined_payment_asked_again_is_declined_again_without_asking_the_processor(
        self, gateway: Template
    ) -> None:
        ev.is_problem(confirmed("payments_create_payment", pay_args(10402), "k-1"), 402, "payment-declined")
        before = snapshot(gateway)
        ev.is_problem(confirmed("payments_create_payment", pay_args(10402), "k-1"), 402, "payment-declined")
        after = snapshot(gateway)
        assert after[gateway.tables["PaymentsTable"].name] == before[gateway.tables["PaymentsTable"].name]


def test_the_rolling_day_limit_counts_what_the_vehicle_already_paid(gateway: Template) -> None:
    for i in range(2):
        paid(200_000, key=f"big-{i}")  # the limit per payment, twice: ¥4000 of ¥5000 a day
    before = snapshot(gateway)
    doc = ev.is_problem(
        call("payments_create_payment", pay_args(100_001), key="big-3"), 422, "payment-limit-exceeded"
    )
    assert "(¥1000.00 left)" in doc["detail"]
    assert snapshot(gateway) == before
    assert paid(100_000, key="big-4")["status"] == "succeeded"
    other_car = confirmed("payments_create_payment", pay_args(100_000), "big-1", sub="vin-other")
    assert ev.body(other_car)["status"] == "succeeded"
