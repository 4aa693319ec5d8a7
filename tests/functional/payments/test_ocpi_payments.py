"""Paying for charging at a real OCPI CPO (over HTTP): the start is confirmed by the CPO's callback
later, and so is the stop; the capture happens when the CPO's STOP result arrives, a refused start
voids the hold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from cockpit_dev.template import Template
from payments.store import PaymentStore
from router.handler import lambda_handler as router
from tests.functional.charging.test_ocpi_gateway import PUBLIC, callback, operation
from tests.support import events as ev
from tests.support.aws import aws_from_template
from tests.support.ocpi_cpo import CPO_TOKEN, EMSP_TOKEN, OcpiTestCpo

ARGS = {"station_id": "CN-SHA-0001", "payment_method_id": "pm_card_visa"}


@pytest.fixture
def ocpi_gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[Template]:
    with OcpiTestCpo(callback_result=None, stall_s=1.5) as cpo:
        params = {
            "ChargingProvider": "ocpi",
            "OcpiVersionUrl": cpo.version_url,
            "DevelopmentMode": "true",
            "PublicBaseUrl": PUBLIC,
            "OcpiTimeoutSeconds": "0.5",
        }
        functions = ("RouterFunction", "ChargingFunction", "PaymentsFunction")
        with aws_from_template(monkeypatch, *functions, parameters=params) as template:
            boto3.client("secretsmanager").put_secret_value(
                SecretId=template.secrets["OcpiCredentialsSecret"].name,
                SecretString=json.dumps({"emsp_token": EMSP_TOKEN, "cpo_token": CPO_TOKEN}),
            )
            yield template


def call(tool: str, arguments: Any, **kw: Any) -> dict[str, Any]:
    return router(ev.invoke(tool, arguments, **kw), None)


def start(key: str = "k1") -> dict[str, Any]:
    asked = ev.body(call("charging_start_session", ARGS, key=key))
    assert "A hold of up to" in asked["confirmation"]["summary"], asked
    return ev.body(
        call(
            "charging_start_session",
            ARGS,
            key=key,
            body={"confirmation_token": asked["confirmation"]["token"]},
        )
    )


def test_the_cpos_stop_result_captures_the_cost(ocpi_gateway: Template) -> None:
    op_id = start()["operation"]["id"]
    session_id = "cs_" + op_id.removeprefix("op_")
    callback("START_SESSION", session_id, {"result": "ACCEPTED"})
    active = operation(op_id)["result"]["session"]
    assert active["payment"]["status"] == "requires_capture"
    hold = active["payment"]["hold"]
    stopping = ev.body(call("charging_stop_session", {"session_id": session_id}, key="k2"))["result"][
        "session"
    ]
    assert stopping["status"] == "STOPPING" and stopping["payment"]["status"] == "requires_capture"
    assert callback("STOP_SESSION", session_id, {"result": "ACCEPTED"})["statusCode"] == 200
    done = ev.body(call("charging_get_session", {"session_id": session_id}))["result"]["session"]
    assert done["status"] == "COMPLETED" and 0 < done["cost"]["amount"] <= hold["amount"]
    assert done["payment"]["status"] == "succeeded" and done["payment"]["captured"] == done["cost"]
    trail = PaymentStore(ocpi_gateway.tables["PaymentsTable"].name).trail(active["payment"]["id"])
    assert [e.event for e in trail] == ["created", "authorized", "captured"]


def test_a_start_the_cpo_refuses_voids_the_hold(ocpi_gateway: Template) -> None:
    op_id = start()["operation"]["id"]
    session_id = "cs_" + op_id.removeprefix("op_")
    callback("START_SESSION", session_id, {"result": "EVSE_OCCUPIED", "message": "cable in use"})
    assert operation(op_id)["status"] == "failed"
    failed = ev.body(call("charging_get_session", {"session_id": session_id}))["result"]["session"]
    assert failed["status"] == "FAILED" and failed["payment"]["status"] == "canceled"
    trail = PaymentStore(ocpi_gateway.tables["PaymentsTable"].name).trail(failed["payment"]["id"])
    assert [e.event for e in trail] == ["created", "authorized", "canceled"]
    assert sum(e.captured_delta for e in trail) == 0
