"""A second gateway whose charging tools speak OCPI 2.2.1 to a test CPO over HTTP: the start is
accepted, stays pending, and completes when the CPO posts its CommandResult to the gateway's callback."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import httpx
import pytest

from tests.support.ocpi_cpo import CPO_TOKEN, EMSP_TOKEN, OcpiTestCpo

TokenFactory = Callable[..., str]
pytestmark = pytest.mark.local_only  # starts its own runtime next to a test CPO


@pytest.fixture(scope="module")
def cpo() -> Iterator[OcpiTestCpo]:
    with OcpiTestCpo(callback_result="ACCEPTED", callback_delay_s=2.0) as server:
        yield server


@pytest.fixture(scope="module")
def ocpi_gateway(start_gateway: Callable[[dict[str, str]], Any], cpo: OcpiTestCpo) -> Iterator[httpx.Client]:
    url = start_gateway({"ChargingProvider": "ocpi", "OcpiVersionUrl": cpo.version_url})
    secrets = boto3.client(
        "secretsmanager",
        endpoint_url=url.aws_endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    (secret,) = [s["ARN"] for s in secrets.list_secrets()["SecretList"] if "OcpiCredentials" in s["Name"]]
    secrets.put_secret_value(
        SecretId=secret, SecretString=json.dumps({"emsp_token": EMSP_TOKEN, "cpo_token": CPO_TOKEN})
    )
    with httpx.Client(base_url=str(url), timeout=30) as client:
        yield client


def test_start_completes_when_the_cpo_calls_back(
    ocpi_gateway: httpx.Client, cpo: OcpiTestCpo, token: TokenFactory
) -> None:
    car = {"Authorization": "Bearer " + token("vehicle", "vin-ocpi-1")}

    def invoke(tool: str, args: dict[str, Any], **extra: Any) -> dict[str, Any]:
        key = extra.pop("key", None)
        headers = car | ({"Idempotency-Key": key} if key else {})
        response = ocpi_gateway.post(
            f"/v1/tools/{tool}/invoke", json={"arguments": args, **extra}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    key = str(uuid.uuid4())
    asked = invoke("charging_start_session", {"station_id": "CN-SHA-0001"}, key=key)
    accepted = invoke(
        "charging_start_session",
        {"station_id": "CN-SHA-0001"},
        key=key,
        confirmation_token=asked["confirmation"]["token"],
    )
    poll = accepted["operation"]["poll"]
    first = ocpi_gateway.get(poll, headers=car).json()
    assert first["status"] == "pending"  # the CPO has not answered yet (it calls back after 2 s)
    cpo.wait_for_callbacks(1, timeout_s=10)
    assert cpo.callbacks[0].status == 200  # the gateway accepted the CPO's CommandResult
    deadline = time.monotonic() + 10
    while (op := ocpi_gateway.get(poll, headers=car).json())[
        "status"
    ] == "pending" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert op["status"] == "succeeded", op
    session = op["result"]["session"]
    stopping = invoke("charging_stop_session", {"session_id": session["id"]}, key=str(uuid.uuid4()))
    assert stopping["result"]["session"]["status"] == "STOPPING"
    cpo.wait_for_callbacks(2, timeout_s=10)  # the CPO confirms the stop at response_url
    deadline = time.monotonic() + 10
    while (now := invoke("charging_get_session", {"session_id": session["id"]}))["result"]["session"][
        "status"
    ] == "STOPPING" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert now["result"]["session"]["status"] == "COMPLETED"
    assert now["result"]["session"]["kwh"] == pytest.approx(12.345)


def test_a_callback_without_the_ocpi_token_is_401(ocpi_gateway: httpx.Client) -> None:
    response = ocpi_gateway.post(
        "/ocpi/emsp/2.2.1/commands/START_SESSION/cs_" + "0" * 24,
        json={"result": "ACCEPTED"},
        headers={"Authorization": "Token bm9wZQ=="},
    )
    assert response.status_code == 401 and response.json()["status"] == 401
