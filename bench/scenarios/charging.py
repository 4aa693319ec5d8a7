"""Charging: DynamoDB calls per function while the router calls charging (served in process)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bench.harness import SQUARE, Rounds, Table, in_process_aws, ok, router_call, signed_in


def tables(_rounds: Rounds) -> Iterator[Table]:
    from tests.support import events

    rows: list[tuple[str, str]] = []
    with in_process_aws("RouterFunction", "ChargingFunction") as (_, aws_calls):

        def measure(label: str, event: dict[str, Any]) -> dict[str, Any]:
            answer, detail = aws_calls.measure(
                "router", router_call(signed_in(event)), ("router", "charging")
            )
            rows.append((label, detail))
            return ok(answer)

        station = {"station_id": "CN-SHA-0001"}
        measure(
            "charging_find_stations (read)",
            events.invoke("charging_find_stations", {"location": SQUARE, "radius_km": 3}),
        )
        asked = measure(
            "charging_start_session, ask confirmation",
            events.invoke("charging_start_session", station, key="b1"),
        )
        yes = {"confirmation_token": asked["confirmation"]["token"]}
        done = measure(
            "charging_start_session, confirmed",
            events.invoke("charging_start_session", station, key="b1", body=yes),
        )
        measure(
            "same call replayed (Idempotency-Key)",
            events.invoke("charging_start_session", station, key="b1", body=yes),
        )
        op = done["operation"]["id"]
        measure(
            "GET /v1/operations/{id}",
            events.api("GET", "/v1/operations/{operation_id}", path_params={"operation_id": op}),
        )
        session = {"session_id": "cs_" + op.removeprefix("op_")}
        measure("charging_stop_session", events.invoke("charging_stop_session", session, key="b2"))
    yield Table(
        "DynamoDB calls per invoke: charging (router → charging)",
        ("call", "DynamoDB calls"),
        rows,
        formats=("",),
    )
