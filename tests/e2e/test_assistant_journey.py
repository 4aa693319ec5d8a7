"""The assistant as the car uses it, over HTTP through the local runtime (or a deployment): a multi-turn
conversation with the offline planner, real tokens, real Lambda Invoke to the charging function."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.test_charging_journey import PEOPLES_SQUARE, TokenFactory, bearer, poll, problem
from tests.support.scripted_llm import calls, says, scripted_model

CAR = {
    "location": PEOPLES_SQUARE,
    "battery_percent": 23,
    "range_km": 80,
    "connectors": ["GB_T_DC", "CCS2"],
    "heading_deg": 90,
}


def say(http: httpx.Client, car: str, sid: str, **body: object) -> dict:  # type: ignore[type-arg]
    response = http.post(f"/v1/sessions/{sid}/turns", json=body, headers=bearer(car))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_find_a_fast_charger_on_the_way_then_charge_after_confirming(
    http: httpx.Client, token: TokenFactory
) -> None:
    car = token("vehicle", f"vin-e2e-{uuid.uuid4().hex[:8]}")
    created = http.post("/v1/sessions", json={"locale": "en-US", "vehicle": CAR}, headers=bearer(car))
    assert created.status_code == 201, created.text
    sid = created.json()["session_id"]

    found = say(http, car, sid, text="find a fast charger on the way")
    assert found["agent"] == "Car Genius" and found["cards"][0]["type"] == "stations"
    first = found["tool_calls"][0]["result"]["stations"][0]

    asked = say(http, car, sid, text="start charging at the first one")
    assert asked["pending_confirmation"]["tool"] == "charging_start_session"
    assert (
        "Start charging" in asked["pending_confirmation"]["summary"]
        and "Say yes to go ahead" in asked["reply"]
    )

    done = say(http, car, sid, text="yes")
    (start,) = done["tool_calls"]
    assert start["status"] == "accepted" and start["arguments"] == {"station_id": first["id"]}
    op = poll(http, car, start["result"]["operation"]["poll"], lambda d: d["status"] != "pending")
    assert op["status"] == "succeeded" and op["result"]["session"]["station_id"] == first["id"]

    view = http.get(f"/v1/sessions/{sid}", headers=bearer(car)).json()
    assert len(view["turns"]) == 3 and view["pending_confirmation"] is None

    assert http.delete(f"/v1/sessions/{sid}", headers=bearer(car)).status_code == 204
    problem(http.get(f"/v1/sessions/{sid}", headers=bearer(car)), 404)


@pytest.mark.local_only  # needs tokens for two vehicles
def test_bad_turns_over_http(http: httpx.Client, token: TokenFactory) -> None:
    car, other = token("vehicle", "vin-e2e-owner"), token("vehicle", "vin-e2e-other")
    sid = http.post("/v1/sessions", json={"vehicle": CAR}, headers=bearer(car)).json()["session_id"]
    problem(http.post(f"/v1/sessions/{sid}/turns", json={"text": ""}, headers=bearer(car)), 422)
    problem(http.post(f"/v1/sessions/{sid}/turns", json={"text": "x" * 10_000}, headers=bearer(car)), 422)
    problem(http.post(f"/v1/sessions/{sid}/turns", json={"text": "hi"}, headers=bearer(other)), 404)
    problem(http.post(f"/v1/sessions/{sid}/turns", json={"confirm": "ct_stale"}, headers=bearer(car)), 409)
    problem(
        http.post(
            "/v1/sessions/ses_000000000000000000000000/turns", json={"text": "hi"}, headers=bearer(car)
        ),
        404,
    )
    problem(http.post("/v1/sessions", json={}, headers=bearer(token("partner", "acme"))), 403)


@pytest.mark.local_only  # `cockpit chat` is developer tooling for the local runtime
def test_cockpit_chat_talks_to_the_gateway(gateway_url: str, token: TokenFactory) -> None:
    car = token("vehicle", f"vin-e2e-chat-{uuid.uuid4().hex[:6]}")
    done = subprocess.run(
        [sys.executable, "-m", "cockpit.local.cli", "chat", "--url", str(gateway_url), "--token", car],
        input="find a fast charger\n\nbook a table\nquit\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "charging_find_stations → succeeded" in done.stdout
    assert "booking_search_availability → succeeded" in done.stdout and done.stdout.startswith("session ses_")


@pytest.mark.local_only  # the scripted model listens on this machine's loopback
def test_a_hosted_model_through_the_local_runtime(start_gateway: Any, token: TokenFactory) -> None:
    with scripted_model() as model:
        url = start_gateway(
            {"LlmProvider": "openai", "LlmBaseUrl": model.url, "LlmModel": "qwen-plus", "LlmApiKey": "sk-e2e"}
        )
        here = PEOPLES_SQUARE
        model.script(
            calls(("charging_find_stations", {"location": here, "radius_km": 3})),
            says("Two chargers nearby."),
        )
        car = token("vehicle", f"vin-e2e-llm-{uuid.uuid4().hex[:6]}")
        with httpx.Client(base_url=str(url), timeout=60) as http:
            sid = http.post("/v1/sessions", json={"vehicle": CAR}, headers=bearer(car)).json()["session_id"]
            out = say(http, car, sid, text="any chargers near me?")
        assert out["reply"] == "Two chargers nearby." and out["model"]["fallback"] is False
        assert out["tool_calls"][0]["status"] == "succeeded" and out["tool_calls"][0]["result"]["stations"]
        assert model.headers[0]["authorization"] == "Bearer sk-e2e"  # the key went through the secret
        (result,) = [m for m in model.requests[1]["messages"] if m["role"] == "tool"]
        assert result["tool_call_id"] == "call_0_charging_find_stations"


@pytest.mark.local_only  # `cockpit demo` starts a local runtime of its own
def test_cockpit_demo_plays_the_scripted_conversation(cockpit_home: Any) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT_URL", "COCKPIT_LLM_"))}
    done = subprocess.run(
        [sys.executable, "-m", "cockpit.local.cli", "demo", "--locale", "zh-CN"],
        env={**env, "COCKPIT_HOME": str(cockpit_home)},
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    out = done.stdout
    assert (
        "charging_start_session → confirmation_required" in out and "charging_start_session → accepted" in out
    )
    assert "Car Genius < 充电状态：充电中。" in out and out.rstrip().endswith(
        "4 turns; the session was erased"
    )
