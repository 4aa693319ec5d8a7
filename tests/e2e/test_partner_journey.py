"""A partner registers its parking API over HTTP, a vehicle sees and calls its tools through the router,
and the partner's server checks exactly what it received (path, query, body, auth, signature).

Needs the contracts function (issue 5, part A: POST /v1/contracts and the DynamoDB PartnerToolSource
wired into the router); the partner-call path it exercises is this branch's."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import httpx
import pytest

from cockpit_dev.contracts_cli import VERIFY_SNIPPET
from tests.support.partner_server import PartnerServer, openapi_document
from tests.support.partners import verify_signature

TokenFactory = Callable[..., str]
pytestmark = pytest.mark.local_only  # the partner server listens on this machine's loopback
API_KEY = "e2e-api-key-" + uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def partner_server() -> Iterator[PartnerServer]:
    with PartnerServer() as server:
        yield server


@pytest.fixture(scope="module")
def api(gateway_url: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=str(gateway_url), timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def registered(
    api: httpx.Client, partner_server: PartnerServer, token: TokenFactory, gateway_url: Any
) -> dict[str, Any]:
    namespace = "acme_parking_" + uuid.uuid4().hex[:6]
    body = {
        "namespace": namespace,
        "display_name": "Acme Parking",
        "openapi": openapi_document(),
        "base_url": partner_server.base_url,
        "auth": {"type": "api_key", "in": "header", "name": "X-Api-Key", "value": API_KEY},
        "confirmation_required": ["createReservation"],
        "timeout_ms": 3000,
    }
    partner = {"Authorization": "Bearer " + token("partner", "partner-acme-e2e")}
    answer = api.post("/v1/contracts", json=body, headers=partner)
    assert answer.status_code == 201, answer.text
    doc: dict[str, Any] = answer.json()
    assert doc["status"] == "active" and API_KEY not in answer.text
    return {**doc, "namespace": namespace, "signing_key": _signing_key(doc, gateway_url)}


def _signing_key(doc: dict[str, Any], gateway_url: Any) -> str:
    """The contract's signing key as the partner holds it: from the registration answer if it hands it
    over, else from the local gateway's secret store (the secret that names the contract)."""
    if isinstance(doc.get("signing_key"), str):
        return str(doc["signing_key"])
    secrets = boto3.client(
        "secretsmanager",
        endpoint_url=gateway_url.aws_endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    for entry in secrets.list_secrets()["SecretList"]:
        if doc["contract_id"] in entry["Name"]:
            value = json.loads(secrets.get_secret_value(SecretId=entry["ARN"])["SecretString"])
            if isinstance(value.get("key"), str):
                return str(value["key"])
    pytest.fail("no signing key for the contract")


def test_a_vehicle_sees_the_partner_tools_in_all_four_formats(
    api: httpx.Client, registered: dict[str, Any], token: TokenFactory
) -> None:
    car = {"Authorization": "Bearer " + token("vehicle", "vin-e2e-partner")}
    search = registered["namespace"] + "_search_spots"
    names = {
        "native": lambda d: {t["name"] for t in d["tools"]},
        "openai": lambda d: {t["function"]["name"] for t in d["tools"]},
        "bedrock": lambda d: {t["toolSpec"]["name"] for t in d["toolConfig"]["tools"]},
        "mcp": lambda d: {t["name"] for t in d["tools"]},
    }
    for fmt, pick in names.items():
        answer = api.get("/v1/tools", params={"format": fmt}, headers=car)
        assert answer.status_code == 200
        assert {search, "charging_find_stations"} <= pick(answer.json()), fmt


def test_a_vehicle_calls_a_partner_tool_and_the_partner_receives_exactly_that(
    api: httpx.Client, registered: dict[str, Any], partner_server: PartnerServer, token: TokenFactory
) -> None:
    car = {"Authorization": "Bearer " + token("vehicle", "vin-e2e-partner"), "Accept-Language": "zh-CN"}
    before = len(partner_server.received)
    answer = api.post(
        f"/v1/tools/{registered['namespace']}_search_spots/invoke",
        json={"arguments": {"near": [31.2304, 121.4737], "radius_m": 800, "features": ["ev"]}},
        headers=car,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"]["spots"][0]["id"] == "spot-renmin-1"
    (got,) = partner_server.received[before:]
    assert got.method == "GET" and got.target == "/v2/spots?near=31.2304,121.4737&radius_m=800&features=ev"
    assert got.headers["x-api-key"] == API_KEY and got.headers["accept-language"] == "zh-CN"
    assert got.headers["x-cockpit-subject"].startswith("psn_") and "vin-e2e-partner" not in str(got.headers)
    assert verify_signature(registered["signing_key"], "GET", got.target, got.headers, got.body).ok
    assert snippet_verifies(registered["signing_key"], "GET", got.target, got.headers, got.body)


def test_a_reservation_is_confirmed_first_and_sent_once(
    api: httpx.Client, registered: dict[str, Any], partner_server: PartnerServer, token: TokenFactory
) -> None:
    tool = registered["namespace"] + "_create_reservation"
    headers = {
        "Authorization": "Bearer " + token("vehicle", "vin-e2e-partner"),
        "Idempotency-Key": "e2e-res-1",
    }
    args = {"spot_id": "spot-renmin-1", "hours": 2}
    before = len(partner_server.received)
    asked = api.post(f"/v1/tools/{tool}/invoke", json={"arguments": args}, headers=headers)
    assert asked.status_code == 200 and asked.json()["status"] == "confirmation_required", asked.text
    assert len(partner_server.received) == before
    body = {"arguments": args, "confirmation_token": asked.json()["confirmation"]["token"]}
    done = api.post(f"/v1/tools/{tool}/invoke", json=body, headers=headers)
    assert done.status_code == 200 and done.json()["result"]["status"] == "confirmed", done.text
    (got,) = partner_server.received[before:]
    assert got.method == "POST" and got.target == "/v2/reservations" and json.loads(got.body) == args
    assert verify_signature(registered["signing_key"], "POST", got.target, got.headers, got.body).ok
    assert snippet_verifies(registered["signing_key"], "POST", got.target, got.headers, got.body)


def snippet_verifies(key: str, method: str, target: str, headers: dict[str, str], body: bytes) -> bool:
    """Run the snippet `cockpit contracts register` prints with the signing key, as a partner would."""
    namespace: dict[str, Any] = {}
    exec(VERIFY_SNIPPET, namespace)  # noqa: S102 - the printed snippet itself
    ok = namespace["cockpit_signature_ok"](key, method, target, headers, body)
    tampered = namespace["cockpit_signature_ok"](key, method, target + "&x=1", headers, body)
    return bool(ok) and not tampered


@pytest.mark.parametrize(
    ("mode", "status", "says"),
    [("500", 502, "answered 500"), ("html", 502, "HTML"), ("big", 502, "1 MiB"), ("slow", 504, "3 s")],
)
def test_a_partner_answering_badly_is_a_problem(
    api: httpx.Client,
    registered: dict[str, Any],
    partner_server: PartnerServer,
    token: TokenFactory,
    mode: str,
    status: int,
    says: str,
) -> None:
    car = {"Authorization": "Bearer " + token("vehicle", "vin-e2e-partner")}
    partner_server.behaviour.mode, partner_server.behaviour.slow_s = mode, 3.5  # the contract allows 3 s
    try:
        answer = api.post(
            f"/v1/tools/{registered['namespace']}_search_spots/invoke",
            json={"arguments": {"near": [31.2304, 121.4737]}},
            headers=car,
        )
    finally:
        partner_server.behaviour.mode = "ok"
    assert answer.status_code == status and answer.headers["content-type"] == "application/problem+json"
    assert says in answer.json()["detail"], answer.text


def test_a_retired_contracts_tools_leave_the_catalog_at_once(
    api: httpx.Client, partner_server: PartnerServer, token: TokenFactory
) -> None:
    partner = {"Authorization": "Bearer " + token("partner", "partner-retiring-e2e")}
    car = {"Authorization": "Bearer " + token("vehicle", "vin-e2e-partner")}
    namespace = "parking_retiring_" + uuid.uuid4().hex[:6]
    body = {"namespace": namespace, "display_name": "Retiring Parking", "openapi": openapi_document(),
            "base_url": partner_server.base_url, "auth": {"type": "none"}}  # fmt: skip
    made = api.post("/v1/contracts", json=body, headers=partner)
    assert made.status_code == 201, made.text
    listed = {t["name"] for t in api.get("/v1/tools", headers=car).json()["tools"]}
    assert namespace + "_get_spot" in listed
    assert api.delete(f"/v1/contracts/{made.json()['contract_id']}", headers=partner).status_code in (
        200,
        204,
    )
    listed = {t["name"] for t in api.get("/v1/tools", headers=car).json()["tools"]}
    assert namespace + "_get_spot" not in listed
    gone = api.post(
        f"/v1/tools/{namespace}_get_spot/invoke", json={"arguments": {"spot_id": "x"}}, headers=car
    )
    assert gone.status_code == 404
