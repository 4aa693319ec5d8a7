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
from tests.functional.charging.test_ocpi_gateway import callback, ocpi_parameters, operation
from tests.support import events as ev
from tests.support.aws import aws_from_template
from tests.support.ocpi_cpo import CPO_TOKEN, EMSP_TOKEN, OcpiTestCpo

ARGS = {"station_id": "CN-SHA-0001", "payment_method_id": "pm_card_visa"}


@pytest.fixture
def ocpi_cpo() -> Iterator[OcpiTestCpo]:
    with OcpiTestCpo(callback_result=None, stall_s=1.5, fault_modules=("commands",)) as cpo:
        yield cpo


@pytest.fixture
def ocpi_gateway(monkeypatch: pytest.MonkeyPatch, ocpi_cpo: OcpiTestCpo) -> Iterator[Template]:
    functions = ("RouterFunction", "ChargingFunction", "PaymentsFunction")
    with aws_from_template(monkeypatch, *functions, parameters=ocpi_parameters(ocpi_cpo)) as template:
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


def test_a_start_asked_again_after_the_cpo_failed_never_charges_without_a_hold(
    ocpi_gateway: Template, ocpi_cpo: OcpiTestCpo
) -> None:
    """The CPO fails the START (500): nothing started, the hold is voided, and the yes is spent. The
    driver is asked again under the same Idempotency-Key and says yes: the card hold of that key is
    voided and cannot hold again, so the start is refused with a problem saying why (409) and nothing
    is written: never a session charging against a released hold."""
    ocpi_cpo.mode = "error500"
    failed = call_start("k-again")
    assert failed["statusCode"] == 502, failed
    payments = PaymentStore(ocpi_gateway.tables["PaymentsTable"].name)
    ocpi_cpo.mode = "ok"
    again = call_start("k-again")
    problem = ev.body(again)
    assert again["statusCode"] == 409 and "new Idempotency-Key" in problem["detail"], problem
    assert problem["type"].endswith("/conflict")
    sessions = [i for i in scan(ocpi_gateway, "ChargingTable") if i["sk"]["S"] == "SESSION"]
    assert sessions == []
    held = [i for i in scan(ocpi_gateway, "PaymentsTable") if i["sk"]["S"] == "PAYMENT"]
    assert len(held) == 1
    trail = payments.trail(held[0]["pk"]["S"].removeprefix("PAY#"))
    assert [e.event for e in trail] == ["created", "authorized", "canceled"]
    fresh = start("k-new")  # a new key is a new hold and a new start
    assert fresh["status"] == "accepted", fresh


def call_start(key: str) -> dict[str, Any]:
    asked = ev.body(call("charging_start_session", ARGS, key=key))
    assert asked["status"] == "confirmation_required", asked
    body = {"confirmation_token": asked["confirmation"]["token"]}
    return call("charging_start_session", ARGS, key=key, body=body)


def scan(template: Template, table: str) -> list[dict[str, Any]]:
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=template.tables[table].name)
    return [i for page in pages for i in page["Items"]]
