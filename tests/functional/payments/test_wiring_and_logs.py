"""The processor's key comes from Secrets Manager (never from the environment); logs never carry a
card's digits, a token or a secret; a stop whose capture did not answer settles when asked again."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from cockpit.errors import ConfigurationError
from cockpit.money import Money
from cockpit.observability import logger
from cockpit.settings import get_settings
from payments import wiring
from payments.ports import ProcessorPayment, ProcessorUnknown
from payments.sandbox import SandboxProcessor
from payments.settings import PaymentsSettings
from payments.store import PaymentStore
from payments.stripe import StripeProcessor
from router.handler import lambda_handler as router
from tests.support import events as ev
from tests.support.aws import aws_from_template
from tests.support.wiring import wire

from .test_commands_and_charging import charged_for, session_of, start


@pytest.fixture
def stripe_gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with aws_from_template(monkeypatch, "PaymentsFunction", parameters={"PaymentsProcessor": "stripe"}) as t:
        yield t


def test_stripe_takes_its_key_from_the_secret(stripe_gateway: Any) -> None:
    secret = stripe_gateway.secrets["PaymentsProcessorSecret"]
    with pytest.raises(ConfigurationError):  # the template's placeholder is not a key
        wiring.processor_for(get_settings(PaymentsSettings))
    wiring.secret_key.cache_clear()
    boto3.client("secretsmanager").put_secret_value(
        SecretId=secret.name, SecretString=json.dumps({"stripe_secret_key": "sk_test_fixture_not_a_secret"})
    )
    built = wiring.processor_for(get_settings(PaymentsSettings))
    assert isinstance(built, StripeProcessor)
    assert built._headers["Authorization"] == "Bearer sk_test_fixture_not_a_secret"


def test_the_sandbox_reads_no_secret(gateway: Any) -> None:
    assert isinstance(wiring.processor_for(get_settings(PaymentsSettings)), SandboxProcessor)


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    handler = logger().registered_handler
    old = handler.setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    handler.setStream(old)  # type: ignore[attr-defined]


def test_a_payment_flow_logs_no_card_digits_and_no_token(
    gateway: Any, logs: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    args = {
        "amount": {"amount": 10402, "currency": "CNY"},
        "merchant": "shanghai_star_charging",
        "purpose": "x",
    }
    asked = ev.body(router(ev.invoke("payments_create_payment", args, key="k1"), None))
    token = asked["confirmation"]["token"]
    router(ev.invoke("payments_create_payment", args, key="k1", body={"confirmation_token": token}), None)
    bad = dict(args, method_id="pm_card_amex")
    router(ev.invoke("payments_create_payment", bad, key="k2"), None)
    logged = logs.getvalue() + capsys.readouterr().out
    assert "tool refused" in logged
    assert token not in logged and "4242" not in logged and "4444" not in logged


class SilentOnCapture(SandboxProcessor):
    """The sandbox processor whose captures go unanswered until `answering` (a timeout, as Stripe's)."""

    answering = False

    def capture(self, ref: str, amount: Money, idempotency_key: str) -> ProcessorPayment:
        if not self.answering:
            raise ProcessorUnknown("no answer", timed_out=True)
        return super().capture(ref, amount, idempotency_key)


def test_a_stop_whose_capture_never_answered_settles_when_asked_again(gateway: Any) -> None:
    processor = SilentOnCapture()
    wire("payments", processor=processor)
    args = {"station_id": "CN-SHA-0001", "payment_method_id": "pm_card_visa"}
    session = session_of(ev.body(start(args))["operation"])
    charged_for(gateway, session["id"], 30)
    stop = ev.invoke("charging_stop_session", {"session_id": session["id"]}, sub="vin-pay-1", key="stop-1")
    ev.is_problem(router(stop, None), 504, "upstream-timeout")
    payments = PaymentStore(gateway.tables["PaymentsTable"].name)
    held = payments.get(session["payment"]["id"])
    assert held is not None and held.status.value == "requires_capture" and held.captured == 0
    processor.answering = True
    # the lock of the unanswered call runs out (30 s); then the same stop, asked again, captures once
    table = gateway.tables["PaymentsTable"].name
    boto3.client("dynamodb").update_item(
        TableName=table,
        Key={"pk": {"S": f"PAY#{held.id}"}, "sk": {"S": "PAYMENT"}},
        UpdateExpression="SET locked_until = :zero, doc = :doc",
        ExpressionAttributeValues={
            ":zero": {"N": "0"},
            ":doc": {"S": held.model_copy(update={"locked_until": 0}).model_dump_json()},
        },
    )
    done = ev.body(router(stop, None))["result"]["session"]
    assert done["status"] == "COMPLETED" and done["payment"]["status"] == "succeeded"
    assert done["payment"]["captured"] == done["cost"] and done["cost"]["amount"] > 0
    trail = payments.trail(held.id)
    assert [e.event for e in trail] == ["created", "authorized", "captured"]
