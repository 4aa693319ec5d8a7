"""POST /v1/tools/{name}/invoke through the router, with the charging function behind real Lambda
Invoke payloads (served in-process) and DynamoDB from moto. Every refusal is a problem document and
writes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from cockpit_dev.template import Template
from router.handler import lambda_handler as router
from tests.support import events as ev
from tests.support.aws import snapshot

HERE = {"lat": 31.2304, "lon": 121.4737}
Call = Callable[..., dict[str, Any]]


@pytest.fixture
def unchanged(gateway: Template) -> Any:
    """Asserts at the end of the test that no table changed."""
    before = snapshot(gateway)
    yield
    assert snapshot(gateway) == before


def call(tool: str, arguments: Any, **kw: Any) -> dict[str, Any]:
    return router(ev.invoke(tool, arguments, **kw), None)


def start_confirmed(station: str, key: str, sub: str = "vin-test-1") -> tuple[dict[str, Any], str]:
    asked = ev.body(call("charging_start_session", {"station_id": station}, key=key, sub=sub))
    token = asked["confirmation"]["token"]
    done = call(
        "charging_start_session",
        {"station_id": station},
        key=key,
        sub=sub,
        body={"confirmation_token": token},
    )
    return done, token


def test_find_stations_near_peoples_square(gateway: Template) -> None:
    out = call(
        "charging_find_stations",
        {
            "location": HERE,
            "radius_km": 2,
            "connectors": ["GB_T_DC"],
            "min_power_kw": 60,
            "available_only": True,
            "limit": 5,
        },
    )
    assert out["statusCode"] == 200
    doc = ev.body(out)
    assert doc["tool"] == "charging_find_stations" and doc["status"] == "succeeded"
    stations = doc["result"]["stations"]
    assert 2 <= len(stations) <= 5
    distances = [s["distance_km"] for s in stations]
    assert distances == sorted(distances) and distances[-1] <= 2
    for s in stations:
        assert any(
            c["standard"] == "GB_T_DC" and c["power_kw"] >= 60 and c["status"] == "AVAILABLE"
            for c in s["connectors"]
        )
        assert s["price"]["per_kwh"]["currency"] == "CNY" and s["price"]["estimate"]["cost"]["amount"] > 0


def test_along_a_route_results_are_sorted_by_detour(gateway: Template) -> None:
    route = [HERE, {"lat": 31.1979, "lon": 121.3363}]  # People's Square → Hongqiao
    doc = ev.body(
        call("charging_find_stations", {"location": HERE, "route": route, "radius_km": 1.5, "limit": 20})
    )
    detours = [s["detour_km"] for s in doc["result"]["stations"]]
    assert detours and detours == sorted(detours) and max(detours) <= 3


def test_start_poll_get_stop(gateway: Template) -> None:
    done, _ = start_confirmed("CN-SHA-0001", "key-1")
    accepted = ev.body(done)
    assert accepted["status"] == "accepted"
    op = ev.body(
        router(
            ev.api(
                "GET",
                "/v1/operations/{operation_id}",
                path_params={"operation_id": accepted["operation"]["id"]},
            ),
            None,
        )
    )
    assert op["status"] == "succeeded"
    session = op["result"]["session"]
    assert session["status"] == "ACTIVE" and session["station_id"] == "CN-SHA-0001"
    got = ev.body(call("charging_get_session", {"session_id": session["id"]}))
    assert got["result"]["session"]["status"] == "ACTIVE"
    station = ev.body(call("charging_get_station", {"station_id": "CN-SHA-0001"}))["result"]["station"]
    assert {"uid": session["evse_uid"], "status": "CHARGING"}.items() <= next(
        e for e in station["evses"] if e["uid"] == session["evse_uid"]
    ).items()
    stopped = ev.body(call("charging_stop_session", {"session_id": session["id"]}, key="key-2"))
    assert stopped["result"]["session"]["status"] == "COMPLETED"
    assert stopped["result"]["session"]["cost"]["currency"] == "CNY"
    station = ev.body(call("charging_get_station", {"station_id": "CN-SHA-0001"}))["result"]["station"]
    assert next(e for e in station["evses"] if e["uid"] == session["evse_uid"])["status"] == "AVAILABLE"


def test_same_key_same_body_answers_the_first_result(gateway: Template) -> None:
    done, token = start_confirmed("CN-SHA-0001", "key-1")
    before = snapshot(gateway)
    again = call(
        "charging_start_session",
        {"station_id": "CN-SHA-0001"},
        key="key-1",
        body={"confirmation_token": token},
    )
    assert ev.body(again) == ev.body(done)
    assert snapshot(gateway) == before


def test_confirmation_summary_speaks_the_drivers_language(gateway: Template) -> None:
    zh = ev.body(
        call(
            "charging_start_session",
            {"station_id": "CN-SHA-0001"},
            key="k",
            headers={"Accept-Language": "zh-CN"},
        )
    )
    assert "开始充电" in zh["confirmation"]["summary"]
    en = ev.body(call("charging_start_session", {"station_id": "CN-SHA-0001"}, key="k"))
    assert en["confirmation"]["summary"].startswith("Start charging at")


class TestRefusals:
    """Each bad input: its own 4xx problem document, and DynamoDB as it was."""

    def test_malformed_json(self, unchanged: None) -> None:
        event = ev.invoke("charging_find_stations", {})
        event["body"] = '{"arguments": {"location": '
        ev.is_problem(router(event, None), 400, "malformed-json")

    def test_body_over_256_kib(self, unchanged: None) -> None:
        ev.is_problem(call("charging_find_stations", {"location": HERE, "pad": "x" * 300_000}), 413)

    def test_unknown_tool(self, unchanged: None) -> None:
        ev.is_problem(call("charging_teleport", {}), 404, "tool-not-found")

    @pytest.mark.parametrize(
        ("arguments", "pointer"),
        [
            ({}, "/arguments"),
            ({"location": HERE, "extra": 1}, "/arguments"),
            ({"location": {"lat": "north", "lon": 121.4}}, "/arguments/location/lat"),
            ({"location": {"lat": 91, "lon": 121.4}}, "/arguments/location/lat"),
            ({"location": HERE, "radius_km": -3}, "/arguments/radius_km"),
            ({"location": HERE, "limit": 100000}, "/arguments/limit"),
        ],
    )
    def test_bad_arguments(self, unchanged: None, arguments: Any, pointer: str) -> None:
        doc = ev.is_problem(call("charging_find_stations", arguments), 422, "validation-failed")
        assert pointer in [e["pointer"] for e in doc["errors"]]

    @pytest.mark.parametrize("station", ["⚡️充电站", "CN-SHA-0001🔋", "Станция-1", "人民广场"])
    def test_emoji_and_mixed_scripts(self, unchanged: None, station: str) -> None:
        doc = ev.is_problem(call("charging_get_station", {"station_id": station}), 422)
        assert doc["errors"][0]["pointer"] == "/arguments/station_id"

    def test_unexpected_body_fields(self, unchanged: None) -> None:
        doc = ev.is_problem(call("charging_find_stations", {"location": HERE}, body={"confirm": True}), 422)
        assert doc["errors"][0]["pointer"] == "/confirm"

    def test_partner_token_cannot_invoke_vehicle_tools(self, unchanged: None) -> None:
        ev.is_problem(
            call("charging_find_stations", {"location": HERE}, role="partner", sub="acme"), 403, "forbidden"
        )

    def test_no_authenticated_caller(self, unchanged: None) -> None:
        ev.is_problem(call("charging_find_stations", {"location": HERE}, role=None), 401, "unauthorized")

    def test_write_without_idempotency_key(self, unchanged: None) -> None:
        ev.is_problem(
            call("charging_stop_session", {"session_id": "cs_" + "0" * 24}), 400, "idempotency-key-required"
        )

    def test_overlong_idempotency_key(self, unchanged: None) -> None:
        doc = ev.is_problem(
            call("charging_stop_session", {"session_id": "cs_" + "0" * 24}, key="k" * 256), 400
        )
        assert doc["errors"][0]["header"] == "Idempotency-Key"

    def test_unknown_station(self, unchanged: None) -> None:
        ev.is_problem(call("charging_get_station", {"station_id": "CN-ZZZ-9999"}), 404, "not-found")

    def test_other_vehicles_session_does_not_exist(self, gateway: Template) -> None:
        done, _ = start_confirmed("CN-SHA-0001", "key-1")
        op = ev.body(
            router(
                ev.api(
                    "GET",
                    "/v1/operations/{operation_id}",
                    path_params={"operation_id": ev.body(done)["operation"]["id"]},
                ),
                None,
            )
        )
        session_id = op["result"]["session"]["id"]
        before = snapshot(gateway)
        ev.is_problem(call("charging_get_session", {"session_id": session_id}, sub="vin-other"), 404)
        ev.is_problem(
            call("charging_stop_session", {"session_id": session_id}, sub="vin-other", key="x"), 404
        )
        ev.is_problem(
            router(
                ev.api(
                    "GET",
                    "/v1/operations/{operation_id}",
                    sub="vin-other",
                    path_params={"operation_id": op["id"]},
                ),
                None,
            ),
            404,
        )
        assert snapshot(gateway) == before


class TestIdempotencyAndConfirmation:
    def test_one_key_two_bodies(self, gateway: Template) -> None:
        start_confirmed("CN-SHA-0001", "key-1")
        before = snapshot(gateway)
        # The used key is refused at once, before any question: nothing is asked, issued or moved.
        out = call("charging_start_session", {"station_id": "CN-SHA-0002"}, key="key-1")
        ev.is_problem(out, 409, "idempotency-conflict")
        assert snapshot(gateway) == before

    def test_token_reused(self, gateway: Template) -> None:
        _, token = start_confirmed("CN-SHA-0001", "key-1")
        before = snapshot(gateway)
        out = call(
            "charging_start_session",
            {"station_id": "CN-SHA-0001"},
            key="key-2",
            body={"confirmation_token": token},
        )
        ev.is_problem(out, 409, "confirmation-invalid")
        assert snapshot(gateway) == before

    def test_token_for_other_arguments(self, gateway: Template) -> None:
        asked = ev.body(call("charging_start_session", {"station_id": "CN-SHA-0001"}, key="k1"))
        before = snapshot(gateway)
        out = call(
            "charging_start_session",
            {"station_id": "CN-SHA-0002"},
            key="k1",
            body={"confirmation_token": asked["confirmation"]["token"]},
        )
        assert "other arguments" in ev.is_problem(out, 409, "confirmation-invalid")["detail"]
        assert snapshot(gateway) == before

    def test_token_for_another_vehicle(self, gateway: Template) -> None:
        asked = ev.body(call("charging_start_session", {"station_id": "CN-SHA-0001"}, key="k1"))
        before = snapshot(gateway)
        out = call(
            "charging_start_session",
            {"station_id": "CN-SHA-0001"},
            key="k1",
            sub="vin-thief",
            body={"confirmation_token": asked["confirmation"]["token"]},
        )
        assert "unknown or was already used" in ev.is_problem(out, 409, "confirmation-invalid")["detail"]
        assert snapshot(gateway) == before

    def test_token_expired(self, gateway: Template, monkeypatch: pytest.MonkeyPatch) -> None:
        asked = ev.body(call("charging_start_session", {"station_id": "CN-SHA-0001"}, key="k1"))
        import time

        later = time.time() + 301
        monkeypatch.setattr("cockpit.ddb.now", lambda: later)
        before = snapshot(gateway)
        out = call(
            "charging_start_session",
            {"station_id": "CN-SHA-0001"},
            key="k1",
            body={"confirmation_token": asked["confirmation"]["token"]},
        )
        ev.is_problem(out, 409, "confirmation-expired")
        assert snapshot(gateway) == before


def test_a_refusal_after_the_yes_keeps_the_yes(gateway: Template) -> None:
    """The charge point is taken between the question and the answer: the domain refuses (409), nothing
    happened, so the driver's confirmation still stands and works once the charge point is free again."""
    args = {"station_id": "CN-SHA-0001", "evse_uid": "CN-SHA-0001-E1"}
    asked = ev.body(call("charging_start_session", args, key="a1", sub="vin-a"))
    other, _ = start_confirmed_args(args, "b1", "vin-b")
    out = call(
        "charging_start_session",
        args,
        key="a1",
        sub="vin-a",
        body={"confirmation_token": asked["confirmation"]["token"]},
    )
    assert "charging" in ev.is_problem(out, 409)["detail"]
    op = ev.body(
        router(
            ev.api(
                "GET",
                "/v1/operations/{operation_id}",
                sub="vin-b",
                path_params={"operation_id": other["operation"]["id"]},
            ),
            None,
        )
    )
    call("charging_stop_session", {"session_id": op["result"]["session"]["id"]}, key="b2", sub="vin-b")
    again = call(
        "charging_start_session",
        args,
        key="a1",
        sub="vin-a",
        body={"confirmation_token": asked["confirmation"]["token"]},
    )
    assert ev.body(again)["status"] == "accepted"


def start_confirmed_args(args: dict[str, Any], key: str, sub: str) -> tuple[dict[str, Any], str]:
    asked = ev.body(call("charging_start_session", args, key=key, sub=sub))
    token = asked["confirmation"]["token"]
    done = ev.body(call("charging_start_session", args, key=key, sub=sub, body={"confirmation_token": token}))
    return done, token


def test_confirmation_tokens_are_stored_only_as_hashes(gateway: Template) -> None:
    asked = ev.body(call("charging_start_session", {"station_id": "CN-SHA-0001"}, key="k1"))
    dump = json.dumps(snapshot(gateway))
    assert asked["confirmation"]["token"] not in dump
