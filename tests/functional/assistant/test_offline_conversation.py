"""A whole conversation with the offline planner: real dispatch, real charging function, moto DynamoDB."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cockpit_dev.template import Template
from tests.functional.assistant.conftest import call, new_session, ok, turn
from tests.support.aws import snapshot


def test_find_a_fast_charger_then_start_charging_after_yes(gateway: Template) -> None:
    sid = new_session()
    found = ok(turn(sid, text="find a fast charger on the way"))
    assert found["agent"] == "Car Genius" and found["model"] == {
        "provider": "offline",
        "fallback": False,
        "reason": None,
        "steps": 2,
    }
    (search,) = found["tool_calls"]
    assert search["name"] == "charging_find_stations" and search["status"] == "succeeded"
    assert search["arguments"]["min_power_kw"] == 60 and len(search["arguments"]["route"]) == 2
    assert isinstance(search["latency_ms"], int) and search["latency_ms"] >= 0  # the trace panel shows it
    stations = search["result"]["stations"]
    assert stations and found["cards"][0]["type"] == "stations"
    assert stations[0]["name"] in found["reply"]

    asked = ok(turn(sid, text="start charging at the first one"))
    assert asked["tool_calls"][0]["status"] == "confirmation_required"
    pending = asked["pending_confirmation"]
    assert pending["tool"] == "charging_start_session" and pending["token"].startswith("ct_")
    assert "Say yes to go ahead" in asked["reply"]
    assert "token" not in json.dumps(asked["tool_calls"])  # the model side never sees the token

    done = ok(turn(sid, text="Yes, please."))
    (start,) = done["tool_calls"]
    assert start["name"] == "charging_start_session" and start["status"] == "accepted"
    assert start["arguments"] == {"station_id": stations[0]["id"]}
    assert isinstance(start["latency_ms"], int)  # the confirmed call is timed too
    assert done["pending_confirmation"] is None and done["reply"] == "The charging session is active."

    view = ok(call("GET", "/v1/sessions/{session_id}", path_params={"session_id": sid}))
    assert [t["text"] for t in view["turns"]] == [
        "find a fast charger on the way",
        "start charging at the first one",
        "Yes, please.",
    ]
    assert view["pending_confirmation"] is None and view["vehicle"]["battery_percent"] == 23

    gone = call("DELETE", "/v1/sessions/{session_id}", path_params={"session_id": sid})
    assert gone["statusCode"] == 204 and not gone["body"]
    sessions = gateway.tables["SessionsTable"].name
    assert snapshot(gateway)[sessions] == []
    assert call("GET", "/v1/sessions/{session_id}", path_params={"session_id": sid})["statusCode"] == 404


def test_chinese_conversation_with_confirm_token_and_a_negative(gateway: Template) -> None:
    sid = new_session(locale="zh-CN")
    found = ok(turn(sid, text="找一个快充充电桩"))
    assert found["tool_calls"][0]["name"] == "charging_find_stations" and "找到" in found["reply"]
    asked = ok(turn(sid, text="在第二个充电"))
    assert "请说“确认”继续" in asked["reply"]
    dropped = ok(turn(sid, text="算了"))
    assert (
        dropped["pending_confirmation"] is None
        and dropped["tool_calls"] == []
        and "不执行" in dropped["reply"]
    )

    again = ok(turn(sid, text="在第二个充电"))
    token = again["pending_confirmation"]["token"]
    done = ok(turn(sid, confirm=token))
    assert done["tool_calls"][0]["status"] == "accepted" and done["reply"] == "充电状态：充电中。"


def test_an_unrelated_utterance_drops_the_question_and_its_token(gateway: Template) -> None:
    sid = new_session()
    ok(turn(sid, text="find a charger"))
    asked = ok(turn(sid, text="start charging at the first one"))
    token = asked["pending_confirmation"]["token"]
    other = ok(turn(sid, text="how is my battery"))
    assert other["pending_confirmation"] is None
    assert all(c["name"] != "charging_start_session" for c in other["tool_calls"])
    assert "Battery 23%" in other["reply"] and other["reply"].startswith("I dropped the earlier question")
    stale = turn(sid, confirm=token)
    assert stale["statusCode"] == 409
    assert ok(turn(sid, text="yes"))["reply"] == "There is nothing waiting for your confirmation."
    # "yes" inside a longer request is not an answer to the question: it drops it too
    ok(turn(sid, text="start charging at the first one"))
    longer = ok(turn(sid, text="yes and also find parking"))
    assert longer["pending_confirmation"] is None
    assert all(c["status"] != "accepted" for c in longer["tool_calls"])
    assert ok(turn(sid, text="yes"))["tool_calls"] == []


def test_a_partial_vehicle_update_is_merged(gateway: Template) -> None:
    sid = new_session()
    ok(turn(sid, text="what is my range", vehicle={"battery_percent": 55, "range_km": 190}))
    view = ok(call("GET", "/v1/sessions/{session_id}", path_params={"session_id": sid}))
    assert view["vehicle"]["battery_percent"] == 55 and view["vehicle"]["connectors"] == ["GB_T_DC", "CCS2"]
    assert "Battery 55%, range 190 km." in view["turns"][0]["reply"]


@pytest.mark.parametrize(
    "update",
    [
        {"location": {"lat": 30.259, "lon": 120.1388}},
        {"heading_deg": 180},
        {"battery_percent": 9},
        {"range_km": 33},
        {"battery_capacity_kwh": 80},
        {"consumption_kwh_per_100km": 17},
        {"connectors": ["CCS2"]},
        {"service": {"due": ["brake_fluid"]}},
    ],
    ids=lambda u: next(iter(u)),
)
def test_each_partial_vehicle_update_over_http_answers_200(gateway: Template, update: dict[str, Any]) -> None:
    """A moving car sends only what changed: never a 500 (a location sent alone used to be a plain dict)."""
    sid = new_session()
    answered = ok(turn(sid, text="find a charger", vehicle=update))
    assert answered["reply"]
    view = ok(call("GET", "/v1/sessions/{session_id}", path_params={"session_id": sid}))
    field, value = next(iter(update.items()))
    assert view["vehicle"][field] == (
        value if field != "service" else {**value, "fault_codes": [], "mileage_km": None}
    )
    if field == "location":
        search = answered["tool_calls"][0]
        assert search["arguments"]["location"] == value  # the new position is where it searched


def test_missing_tools_degrade_honestly(gateway: Template, monkeypatch: pytest.MonkeyPatch) -> None:
    """A gateway deployed without booking and payments: their tools are not in its catalog."""
    from cockpit.settings import reset_container
    from cockpit.tools.catalog import Catalog, first_party
    from tests.support.wiring import wire

    missing = ("booking_", "payments_")
    fewer = Catalog(t for t in first_party() if not t.name.startswith(missing))
    reset_container()
    wire("cockpit.dispatch", tools=fewer)
    sid = new_session()
    booked = ok(turn(sid, text="book a table for dinner"))
    assert booked["reply"] == "I can't book tables or spots yet." and booked["tool_calls"] == []
    assert booked["agent"] == "Travel Companion"
    paid = ok(turn(sid, text="pay 45 yuan"))
    assert paid["tool_calls"] == []


def test_a_long_conversation_keeps_the_session_item_small_and_delete_erases_every_turn(
    gateway: Template,
) -> None:
    import boto3

    sid = new_session()
    for i in range(30):
        ok(turn(sid, text="find a fast charger on the way" if i % 2 else "how is my battery"))
    table = gateway.tables["SessionsTable"].name
    item = boto3.client("dynamodb").get_item(
        TableName=table, Key={"pk": {"S": f"S#{sid}"}, "sk": {"S": "SESSION"}}
    )
    session = json.loads(item["Item"]["data"]["S"])
    assert len(item["Item"]["data"]["S"]) < 40_000 and len(session["history"]) == 8 and session["summary"]
    view = ok(call("GET", "/v1/sessions/{session_id}", path_params={"session_id": sid}))
    assert len(view["turns"]) == 30
    assert call("DELETE", "/v1/sessions/{session_id}", path_params={"session_id": sid})["statusCode"] == 204
    assert snapshot(gateway)[table] == []
