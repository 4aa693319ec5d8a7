"""The gateway as the car uses it: HTTP, real RS256 tokens, the authorizer, the router, Lambda Invoke
between functions, DynamoDB on the AWS endpoint — the local runtime, or any deployment (COCKPIT_E2E_URL)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from cockpit_dev import devkeys

PEOPLES_SQUARE = {"lat": 31.2304, "lon": 121.4737}
TokenFactory = Callable[..., str]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def invoke(
    http: httpx.Client,
    token: str,
    tool: str,
    arguments: dict[str, Any],
    *,
    key: str | None = None,
    **body: Any,
) -> httpx.Response:
    headers = bearer(token) | ({"Idempotency-Key": key} if key else {})
    return http.post(f"/v1/tools/{tool}/invoke", json={"arguments": arguments, **body}, headers=headers)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    doc: dict[str, Any] = response.json()
    assert doc["status"] == status and doc["title"] and doc["detail"]
    return doc


def poll(
    http: httpx.Client, token: str, path: str, until: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        doc: dict[str, Any] = http.get(path, headers=bearer(token)).json()
        if until(doc) or time.monotonic() > deadline:
            return doc
        time.sleep(0.2)


def test_health_and_openapi_need_no_token(http: httpx.Client) -> None:
    assert http.get("/v1/health").json()["status"] == "ok"
    doc = http.get("/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.1") and "/v1/tools/{name}/invoke" in doc["paths"]


def test_a_vehicle_charges_near_peoples_square(http: httpx.Client, token: TokenFactory) -> None:
    car = token("vehicle", f"vin-e2e-{uuid.uuid4().hex[:8]}")
    tools = http.get("/v1/tools", params={"format": "openai"}, headers=bearer(car)).json()["tools"]
    assert "charging_find_stations" in [t["function"]["name"] for t in tools]

    found = invoke(
        http,
        car,
        "charging_find_stations",
        {"location": PEOPLES_SQUARE, "radius_km": 2, "connectors": ["GB_T_DC"], "available_only": True},
    )
    assert found.status_code == 200, found.text
    stations = found.json()["result"]["stations"]
    assert stations and stations[0]["distance_km"] <= 2
    station = stations[0]["id"]

    key = str(uuid.uuid4())
    asked = invoke(http, car, "charging_start_session", {"station_id": station}, key=key).json()
    assert asked["status"] == "confirmation_required" and "Start charging" in asked["confirmation"]["summary"]
    accepted = invoke(
        http,
        car,
        "charging_start_session",
        {"station_id": station},
        key=key,
        confirmation_token=asked["confirmation"]["token"],
    ).json()
    assert accepted["status"] == "accepted"
    op = poll(http, car, accepted["operation"]["poll"], lambda d: d["status"] != "pending")
    assert op["status"] == "succeeded", op
    session = op["result"]["session"]
    assert session["status"] == "ACTIVE" and session["station_id"] == station

    got = invoke(http, car, "charging_get_session", {"session_id": session["id"]}).json()
    assert got["result"]["session"]["status"] == "ACTIVE"
    stopped = invoke(http, car, "charging_stop_session", {"session_id": session["id"]}, key=str(uuid.uuid4()))
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["result"]["session"]["status"] == "COMPLETED"


@pytest.mark.local_only  # needs tokens for two vehicles
def test_another_vehicle_cannot_see_a_session_or_its_operation(
    http: httpx.Client, token: TokenFactory
) -> None:
    car, other = token("vehicle", f"vin-e2e-{uuid.uuid4().hex[:8]}"), token("vehicle", "vin-e2e-other")
    key = str(uuid.uuid4())
    asked = invoke(http, car, "charging_start_session", {"station_id": "CN-SHA-0002"}, key=key).json()
    accepted = invoke(
        http,
        car,
        "charging_start_session",
        {"station_id": "CN-SHA-0002"},
        key=key,
        confirmation_token=asked["confirmation"]["token"],
    ).json()
    op = poll(http, car, accepted["operation"]["poll"], lambda d: d["status"] != "pending")
    assert op["status"] == "succeeded", op
    problem(invoke(http, other, "charging_get_session", {"session_id": op["result"]["session"]["id"]}), 404)
    problem(http.get(accepted["operation"]["poll"], headers=bearer(other)), 404)


def test_a_partner_token_cannot_invoke_vehicle_tools(http: httpx.Client, token: TokenFactory) -> None:
    partner = token("partner", "acme-parking")
    problem(invoke(http, partner, "charging_find_stations", {"location": PEOPLES_SQUARE}), 403)
    assert http.get("/v1/tools", headers=bearer(partner)).json() == {"tools": []}


def unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.local_only  # forges claims with the runtime's dev key
@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda token: None, id="no token"),
        pytest.param(lambda token: token("vehicle", "vin-1", exp=int(time.time()) - 600), id="expired"),
        pytest.param(lambda token: token("vehicle", "vin-1", aud="another-api"), id="wrong audience"),
        pytest.param(
            lambda token: unsigned(  # claims the gateway would accept: only the missing signature is wrong
                {
                    "sub": "vin-1",
                    "role": "vehicle",
                    "iss": devkeys.DEV_ISSUER,
                    "aud": devkeys.DEV_AUDIENCE,
                    "exp": int(time.time()) + 600,
                }
            ),
            id="alg none",
        ),
        pytest.param(lambda token: "not.a.jwt", id="garbage"),
    ],
)
def test_bad_tokens_are_401(
    http: httpx.Client, token: TokenFactory, make: Callable[[TokenFactory], str | None]
) -> None:
    value = make(token)
    headers = bearer(value) if value else {}
    problem(http.get("/v1/tools", headers=headers), 401)


def test_a_token_signed_by_another_key_is_401(http: httpx.Client, tmp_path: Any) -> None:
    foreign = devkeys.token("vehicle", "vin-1", folder=tmp_path)  # a key the gateway never saw
    problem(http.get("/v1/tools", headers=bearer(foreign)), 401)


def test_bad_requests_over_http(http: httpx.Client, token: TokenFactory) -> None:
    car = token("vehicle", "vin-e2e-bad")
    headers = bearer(car) | {"Content-Type": "application/json"}
    problem(
        http.post("/v1/tools/charging_find_stations/invoke", content=b'{"arguments": {', headers=headers), 400
    )
    big = json.dumps({"arguments": {"location": PEOPLES_SQUARE, "note": "x" * 300_000}})
    problem(http.post("/v1/tools/charging_find_stations/invoke", content=big, headers=headers), 413)
    doc = problem(invoke(http, car, "charging_find_stations", {"location": {"lat": 91, "lon": 0}}), 422)
    assert doc["errors"][0]["pointer"] == "/arguments/location/lat"
    problem(invoke(http, car, "charging_teleport", {}), 404)
    problem(http.get("/v1/nothing-here", headers=bearer(car)), 404)


@pytest.mark.local_only
def test_an_expired_token_is_refused_once_its_leeway_has_passed_though_its_policy_is_cached(
    http: httpx.Client, token: TokenFactory
) -> None:
    """exp 27 s ago: inside the 30 s leeway, accepted (and its policy cached for ReauthorizeEvery);
    four seconds later the same token is past exp + leeway and refused, cache or no cache."""
    car = token("vehicle", "vin-e2e-expiring", exp=int(time.time()) - 27)
    assert http.get("/v1/tools", headers=bearer(car)).status_code == 200
    time.sleep(4)
    problem(http.get("/v1/tools", headers=bearer(car)), 401)
