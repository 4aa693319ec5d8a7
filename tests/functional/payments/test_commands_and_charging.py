"""Payment commands from other domains (authorize, capture, cancel) over Lambda Invoke, and charging paying
through them: a start holds, a stop captures the cost and releases the rest, a refused hold starts nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from charging.models import ChargingSession
from charging.sandbox import SandboxOperator
from charging.store import DynamoEvseStates
from cockpit.errors import (
    NotFound,
    PaymentDeclined,
    PaymentStateConflict,
    RefundExceedsCaptured,
    UpstreamTimeout,
    UpstreamUnavailable,
    ValidationFailed,
)
from cockpit.money import Money
from cockpit.payments_client import PaymentsClient
from cockpit.tools.model import Caller, Role
from cockpit_dev.template import Template
from payments.handler import lambda_handler as payments_handler
from payments.ports import ChargeRequest, ProcessorDeclined, ProcessorPayment
from payments.sandbox import SandboxProcessor
from payments.store import PaymentStore
from router.handler import lambda_handler as router
from tests.support import events as ev
from tests.support.aws import snapshot
from tests.support.wiring import FromSettings, wire

CAR = Caller(sub="vin-pay-1", role=Role.VEHICLE)


def client(gateway: Template) -> PaymentsClient:
    fn = gateway.function_named("PaymentsFunction")
    assert fn is not None
    return PaymentsClient(fn.name)


def store(gateway: Template) -> PaymentStore:
    return PaymentStore(gateway.tables["PaymentsTable"].name)


def cny(amount: int) -> Money:
    return Money(amount=amount, currency="CNY")


def events_of(gateway: Template, pid: str) -> list[str]:
    return [e.event for e in store(gateway).trail(pid)]


class TestCommands:
    def test_authorize_is_idempotent_by_key(self, gateway: Template) -> None:
        pay = client(gateway)
        first = pay.authorize(CAR, "charging", "cs_1", cny(14160), "pm_card_visa", "Charging")
        again = pay.authorize(CAR, "charging", "cs_1", cny(14160), "pm_card_visa", "Charging")
        assert first == again and first.status == "requires_capture"
        assert first.captured == cny(0)
        assert events_of(gateway, first.id) == ["created", "authorized"]
        other = pay.authorize(CAR, "charging", "cs_2", cny(14160), "pm_card_visa", "Charging")
        assert other.id != first.id

    def test_capture_takes_the_cost_and_releases_the_rest(self, gateway: Template) -> None:
        pay = client(gateway)
        held = pay.authorize(CAR, "charging", "cs_1", cny(14160), None, "Charging")
        assert held.method.label == "Visa ending 4242"  # the default method
        done = pay.capture(CAR, "charging", held.id, cny(8496))
        assert done.status == "succeeded" and done.captured == cny(8496)
        trail = store(gateway).trail(held.id)
        assert [e.event for e in trail] == ["created", "authorized", "captured"]
        assert sum(e.authorized_delta for e in trail) == 0  # nothing held any more
        assert sum(e.captured_delta for e in trail) == 8496
        assert store(gateway).ledger(CAR.sub, "CNY").spent_since(0) == 8496  # the rest is free again

    def test_capturing_twice(self, gateway: Template) -> None:
        pay = client(gateway)
        held = pay.authorize(CAR, "charging", "cs_1", cny(14160), None, "Charging")
        done = pay.capture(CAR, "charging", held.id, cny(8496))
        before = snapshot(gateway)
        assert pay.capture(CAR, "charging", held.id, cny(8496)) == done  # the same capture, answered again
        with pytest.raises(PaymentStateConflict):
            pay.capture(CAR, "charging", held.id, cny(9000))
        with pytest.raises(PaymentStateConflict):
            pay.cancel(CAR, "charging", held.id)
        assert snapshot(gateway) == before

    def test_a_refused_capture_moves_nothing_and_can_be_tried_again_at_once(self, gateway: Template) -> None:
        pay = client(gateway)
        held = pay.authorize(CAR, "charging", "cs_1", cny(14160), None, "Charging")
        with pytest.raises(PaymentDeclined):
            pay.capture(CAR, "charging", held.id, cny(10402))  # the sandbox declines …0402
        assert events_of(gateway, held.id) == ["created", "authorized"]
        done = pay.capture(CAR, "charging", held.id, cny(8496))
        assert done.status == "succeeded" and done.captured == cny(8496)

    def test_a_capture_above_the_hold(self, gateway: Template) -> None:
        pay = client(gateway)
        held = pay.authorize(CAR, "charging", "cs_1", cny(14160), None, "Charging")
        before = snapshot(gateway)
        with pytest.raises(ValidationFailed):
            pay.capture(CAR, "charging", held.id, cny(14161))
        with pytest.raises(ValidationFailed):
            pay.capture(CAR, "charging", held.id, Money(amount=100, currency="EUR"))
        assert snapshot(gateway) == before

    def test_cancel_voids_the_hold_once(self, gateway: Template) -> None:
        pay = client(gateway)
        held = pay.authorize(CAR, "charging", "cs_1", cny(14160), None, "Charging")
        canceled = pay.cancel(CAR, "charging", held.id)
        assert canceled.status == "canceled" and canceled.captured == cny(0)
        assert pay.cancel(CAR, "charging", held.id) == canceled
        with pytest.raises(PaymentStateConflict):
            pay.capture(CAR, "charging", held.id, cny(100))
        assert events_of(gateway, held.id) == ["created", "authorized", "canceled"]
        assert store(gateway).ledger(CAR.sub, "CNY").spent_since(0) == 0

    def test_refunds_by_command_once_per_key_and_never_past_the_capture(self, gateway: Template) -> None:
        pay = client(gateway)
        held = pay.authorize(CAR, "booking", "rsv_1", cny(20000), None, "Dinner for two, prepaid")
        pay.capture(CAR, "booking", held.id, cny(20000))
        paid, first = pay.refund(CAR, "booking", held.id, "rsv_1-cancel", cny(5000))
        assert first.amount == cny(5000) and first.status == "succeeded" and paid.refunded == cny(5000)
        again, same = pay.refund(CAR, "booking", held.id, "rsv_1-cancel", cny(5000))
        assert same == first and again.refunded == cny(5000)  # the same key: the same refund, once
        paid, rest = pay.refund(CAR, "booking", held.id, "rsv_1-rest")
        assert rest.amount == cny(15000) and paid.refunded == cny(20000)
        before = snapshot(gateway)
        with pytest.raises(RefundExceedsCaptured):
            pay.refund(CAR, "booking", held.id, "rsv_1-more", cny(1))
        with pytest.raises(NotFound):
            pay.refund(CAR, "charging", held.id, "x")
        assert snapshot(gateway) == before
        trail = store(gateway).trail(held.id)
        assert sum(e.refunded_delta for e in trail) == 20000 == sum(e.captured_delta for e in trail)

    def test_another_domain_or_vehicle_cannot_touch_the_payment(self, gateway: Template) -> None:
        pay = client(gateway)
        held = pay.authorize(CAR, "charging", "cs_1", cny(14160), None, "Charging")
        before = snapshot(gateway)
        with pytest.raises(NotFound):
            pay.capture(CAR, "booking", held.id, cny(100))
        with pytest.raises(NotFound):
            pay.cancel(Caller(sub="vin-other", role=Role.VEHICLE), "charging", held.id)
        assert snapshot(gateway) == before

    @pytest.mark.parametrize(
        ("name", "arguments", "status", "pointer"),
        [
            ("payments.refund_everything", {"domain": "x"}, 404, None),
            ("payments.capture", {"domain": "charging"}, 404, None),  # no payment to capture
            ("payments.authorize", {"domain": "charging", "amount": {"amount": 100, "currency": "CNY"}}, 422,
             "/arguments/key"),
            ("payments.quote", {"domain": "Charging!", "amount": {"amount": 100, "currency": "CNY"}}, 422,
             "/arguments/domain"),
            ("payments.cancel", {"domain": "charging", "payment_id": "pay_" + "0" * 24, "fee": 1}, 422,
             "/arguments/fee"),
        ],
        ids=["unknown-command", "capture-no-payment", "authorize-no-key", "bad-domain", "extra-field"],
    )  # fmt: skip
    def test_malformed_commands(
        self, gateway: Template, name: str, arguments: dict[str, Any], status: int, pointer: str | None
    ) -> None:
        """What reaches the payments function past the client is refused there, naming what is wrong."""
        before = snapshot(gateway)
        event = {"kind": "command", "invocation_id": "i-1", "tool": name, "arguments": arguments,
                 "caller": CAR.model_dump(mode="json")}  # fmt: skip
        answer = payments_handler(event, None)
        assert answer["status"] == "failed"
        assert answer["error"]["status"] == status
        assert pointer is None or pointer in {e["pointer"] for e in answer["error"]["errors"]}
        assert snapshot(gateway) == before

    def test_a_command_is_never_a_tool(self, gateway: Template) -> None:
        """The dispatcher reaches tools only: a payment command named as a tool is unknown."""
        event = ev.invoke("payments.authorize", {"domain": "charging"}, sub="vin-pay-1")
        assert ev.body(router(event, None))["status"] == 404


def call(tool: str, arguments: Any, **kw: Any) -> dict[str, Any]:
    return router(ev.invoke(tool, arguments, sub="vin-pay-1", **kw), None)


def start(args: dict[str, Any], key: str = "start-1") -> dict[str, Any]:
    asked = ev.body(call("charging_start_session", args, key=key))
    assert asked["status"] == "confirmation_required", asked
    return call(
        "charging_start_session", args, key=key, body={"confirmation_token": asked["confirmation"]["token"]}
    )


def session_of(operation: dict[str, Any]) -> dict[str, Any]:
    op = router(
        ev.api(
            "GET",
            "/v1/operations/{operation_id}",
            path_params={"operation_id": operation["id"]},
            sub="vin-pay-1",
        ),
        None,
    )
    return ev.body(op)["result"]["session"]  # type: ignore[no-any-return]


def charged_for(gateway: Template, session_id: str, minutes: int) -> None:
    """The car has been charging for `minutes`: move the session's start back (the sandbox bills by time)."""
    table = gateway.tables["ChargingTable"].name
    ddb = boto3.client("dynamodb")
    key = {"pk": {"S": f"SESSION#{session_id}"}, "sk": {"S": "SESSION"}}
    session = ChargingSession.model_validate_json(ddb.get_item(TableName=table, Key=key)["Item"]["doc"]["S"])
    assert session.started_at is not None
    moved = session.model_copy(update={"started_at": session.started_at - timedelta(minutes=minutes)})
    ddb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET doc = :doc",
        ExpressionAttributeValues={":doc": {"S": moved.model_dump_json()}},
    )


class TestChargingPays:
    ARGS = {"station_id": "CN-SHA-0001", "payment_method_id": "pm_card_visa"}

    def test_the_question_mentions_the_hold(self, gateway: Template) -> None:
        asked = ev.body(call("charging_start_session", self.ARGS, key="k"))
        summary = asked["confirmation"]["summary"]
        assert summary.endswith(
            "A hold of up to ¥141.60 goes on your Visa ending 4242; only the actual cost is charged."
        )
        zh = ev.body(call("charging_start_session", self.ARGS, key="k", headers={"Accept-Language": "zh-CN"}))
        assert "将在Visa 尾号4242上预授权最多¥141.60" in zh["confirmation"]["summary"]

    def test_start_holds_stop_captures_the_cost_and_releases_the_rest(self, gateway: Template) -> None:
        accepted = ev.body(start(self.ARGS))
        session = session_of(accepted["operation"])
        assert session["status"] == "ACTIVE"
        payment = session["payment"]
        assert payment["status"] == "requires_capture" and payment["hold"] == {
            "amount": 14160,
            "currency": "CNY",
        }
        charged_for(gateway, session["id"], 30)
        stopped = ev.body(call("charging_stop_session", {"session_id": session["id"]}, key="stop-1"))[
            "result"
        ]
        cost = stopped["session"]["cost"]
        assert 0 < cost["amount"] < 14160
        assert stopped["session"]["payment"]["status"] == "succeeded"
        assert stopped["session"]["payment"]["captured"] == cost
        got = ev.body(call("payments_get_payment", {"payment_id": payment["id"]}))["result"]["payment"]
        assert got["captured"] == cost and got["status"] == "succeeded" and got["merchant"] == "charging"
        trail = store(gateway).trail(payment["id"])
        assert [e.event for e in trail] == ["created", "authorized", "captured"]
        assert sum(e.captured_delta for e in trail) == cost["amount"]
        assert sum(e.authorized_delta for e in trail) == 0

    def test_a_retried_start_holds_once(self, gateway: Template) -> None:
        first = ev.body(start(self.ARGS, key="start-1"))
        # The same key again answers the first start at once: no second question, no second hold.
        again = ev.body(call("charging_start_session", self.ARGS, key="start-1"))
        assert again == first
        items = snapshot(gateway)[gateway.tables["PaymentsTable"].name]
        assert len([i for i in items if i["sk"]["S"] == "PAYMENT"]) == 1

    def test_a_declined_hold_starts_nothing(self, gateway: Template) -> None:
        class Declining(SandboxProcessor):
            def charge(self, request: ChargeRequest) -> ProcessorPayment:
                raise ProcessorDeclined("insufficient funds")

        wire("payments", processor=Declining())
        before = snapshot(gateway)
        ev.is_problem(start(self.ARGS), 402, "payment-declined")
        after = snapshot(gateway)
        for logical in ("ChargingTable", "OperationsTable"):
            assert after[gateway.tables[logical].name] == before[gateway.tables[logical].name]
        (payment,) = [i for i in after[gateway.tables["PaymentsTable"].name] if i["sk"]["S"] == "PAYMENT"]
        assert payment["state"]["S"] == "failed"
        pid = payment["pk"]["S"].removeprefix("PAY#")
        assert events_of(gateway, pid) == ["created", "declined"]

    def test_a_start_the_operator_refuses_voids_the_hold(self, gateway: Template) -> None:
        class Unreachable(SandboxOperator):
            def start_session(self, *_args: Any, **_kw: Any) -> Any:
                raise UpstreamUnavailable("the charge point is unreachable")

        wire("charging", cpo=FromSettings(lambda s: Unreachable(DynamoEvseStates(s.table))))
        ev.is_problem(start(self.ARGS), 503)
        after = snapshot(gateway)
        assert after[gateway.tables["ChargingTable"].name] == []
        (payment,) = [i for i in after[gateway.tables["PaymentsTable"].name] if i["sk"]["S"] == "PAYMENT"]
        pid = payment["pk"]["S"].removeprefix("PAY#")
        assert payment["state"]["S"] == "canceled"
        assert events_of(gateway, pid) == ["created", "authorized", "canceled"]
        assert json.loads(payment["doc"]["S"])["captured"] == 0

    def test_a_start_with_no_answer_keeps_the_session_pending_and_its_hold(self, gateway: Template) -> None:
        class Silent(SandboxOperator):
            def start_session(self, *_args: Any, **_kw: Any) -> Any:
                raise UpstreamTimeout("the charge point did not answer")

        wire("charging", cpo=FromSettings(lambda s: Silent(DynamoEvseStates(s.table))))
        ev.is_problem(start(self.ARGS), 504, "upstream-timeout")
        after = snapshot(gateway)
        # the CPO may well have started: nothing is voided here; its callback or the reconciler settles it
        (session,) = [i for i in after[gateway.tables["ChargingTable"].name] if i["sk"]["S"] == "SESSION"]
        assert json.loads(session["doc"]["S"])["status"] == "PENDING"
        (payment,) = [i for i in after[gateway.tables["PaymentsTable"].name] if i["sk"]["S"] == "PAYMENT"]
        assert payment["state"]["S"] == "requires_capture"

    def test_an_unknown_method_is_refused_before_the_question(self, gateway: Template) -> None:
        before = snapshot(gateway)
        args = {"station_id": "CN-SHA-0001", "payment_method_id": "pm_card_amex"}
        doc = ev.is_problem(call("charging_start_session", args, key="k"), 422)
        assert doc["errors"][0]["pointer"] == "/arguments/payment_method_id"
        assert snapshot(gateway) == before

    def test_without_a_method_nothing_is_held(self, gateway: Template) -> None:
        session = session_of(ev.body(start({"station_id": "CN-SHA-0001"}))["operation"])
        assert "payment" not in session
        assert snapshot(gateway)[gateway.tables["PaymentsTable"].name] == []
