"""Paying from the car over HTTP with real tokens: methods → payment → confirmation → confirmed → get →
refund; and charging with a payment method: the start holds, the stop captures the actual cost."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from tests.e2e.test_charging_journey import PEOPLES_SQUARE, TokenFactory, invoke, poll, problem

STAR = "shanghai_star_charging"


def confirmed(http: httpx.Client, car: str, tool: str, arguments: dict[str, Any], key: str) -> dict[str, Any]:
    asked = invoke(http, car, tool, arguments, key=key)
    assert asked.status_code == 200, asked.text
    question = asked.json()
    assert question["status"] == "confirmation_required", question
    done = invoke(http, car, tool, arguments, key=key, confirmation_token=question["confirmation"]["token"])
    assert done.status_code == 200, done.text
    return done.json()  # type: ignore[no-any-return]


def test_a_driver_pays_and_gets_part_of_it_back(http: httpx.Client, token: TokenFactory) -> None:
    car = token("vehicle", f"vin-e2e-{uuid.uuid4().hex[:8]}")
    tools = http.get("/v1/tools", params={"format": "mcp"}, headers={"Authorization": f"Bearer {car}"}).json()
    assert {"payments_list_methods", "payments_create_payment"} <= {t["name"] for t in tools["tools"]}

    methods = invoke(http, car, "payments_list_methods", {}).json()["result"]["methods"]
    default = methods[0]
    assert default["default"] is True and default["type"] == "card" and len(default["last4"]) == 4

    args = {"amount": {"amount": 4550, "currency": "CNY"}, "merchant": STAR, "purpose": "charging"}
    key = str(uuid.uuid4())
    asked = invoke(http, car, "payments_create_payment", args, key=key)
    question = asked.json()
    assert question["status"] == "confirmation_required"
    assert (
        question["confirmation"]["summary"]
        == f"Pay ¥45.50 to Shanghai Star Charging with your card ending {default['last4']}?"
    )

    forged = dict(args, amount={"amount": 455000, "currency": "CNY"})
    problem(
        invoke(http, car, "payments_create_payment", forged, key=key,
               confirmation_token=question["confirmation"]["token"]),
        409,
    )  # fmt: skip
    done = invoke(
        http,
        car,
        "payments_create_payment",
        args,
        key=key,
        confirmation_token=question["confirmation"]["token"],
    )
    assert done.status_code == 200, done.text
    payment = done.json()["result"]["payment"]
    assert payment["status"] == "succeeded" and payment["captured"] == {"amount": 4550, "currency": "CNY"}
    replay = invoke(
        http,
        car,
        "payments_create_payment",
        args,
        key=key,
        confirmation_token=question["confirmation"]["token"],
    )
    assert replay.json() == done.json()  # the same key: the first answer, not a second charge

    got = invoke(http, car, "payments_get_payment", {"payment_id": payment["id"]}).json()["result"]["payment"]
    assert got == payment

    refund_args = {"payment_id": payment["id"], "amount": {"amount": 1050, "currency": "CNY"}}
    refunded = confirmed(http, car, "payments_refund_payment", refund_args, str(uuid.uuid4()))["result"]
    assert refunded["refund"]["status"] == "succeeded"
    assert refunded["payment"]["refunded"] == {"amount": 1050, "currency": "CNY"}
    too_much = {"payment_id": payment["id"], "amount": {"amount": 3501, "currency": "CNY"}}
    doc = problem(invoke(http, car, "payments_refund_payment", too_much, key=str(uuid.uuid4())), 409)
    assert doc["type"].endswith("/refund-exceeds-captured")


def test_a_declined_card_moves_nothing(http: httpx.Client, token: TokenFactory) -> None:
    car = token("vehicle", f"vin-e2e-{uuid.uuid4().hex[:8]}")
    args = {"amount": {"amount": 10402, "currency": "CNY"}, "merchant": STAR, "purpose": "magic decline"}
    key = str(uuid.uuid4())
    question = invoke(http, car, "payments_create_payment", args, key=key).json()
    declined = invoke(
        http,
        car,
        "payments_create_payment",
        args,
        key=key,
        confirmation_token=question["confirmation"]["token"],
    )
    doc = problem(declined, 402)
    assert doc["type"].endswith("/payment-declined")


def test_charging_with_a_card_holds_then_captures_the_cost(http: httpx.Client, token: TokenFactory) -> None:
    car = token("vehicle", f"vin-e2e-{uuid.uuid4().hex[:8]}")
    found = invoke(
        http,
        car,
        "charging_find_stations",
        {"location": PEOPLES_SQUARE, "radius_km": 5, "available_only": True, "min_power_kw": 100},
    ).json()["result"]["stations"]
    station = found[-1]["id"]  # not the nearest one, which the charging journey uses
    args = {"station_id": station, "payment_method_id": "pm_card_visa"}
    key = str(uuid.uuid4())
    question = invoke(http, car, "charging_start_session", args, key=key).json()
    assert "A hold of up to" in question["confirmation"]["summary"]
    accepted = invoke(
        http,
        car,
        "charging_start_session",
        args,
        key=key,
        confirmation_token=question["confirmation"]["token"],
    ).json()
    op = poll(http, car, accepted["operation"]["poll"], lambda d: d["status"] != "pending")
    assert op["status"] == "succeeded", op
    session = op["result"]["session"]
    hold = session["payment"]["hold"]
    assert session["payment"]["status"] == "requires_capture" and hold["amount"] > 0

    time.sleep(3)  # let the simulated car draw some energy (a DC charger), so the session costs something
    stopped = invoke(http, car, "charging_stop_session", {"session_id": session["id"]}, key=str(uuid.uuid4()))
    assert stopped.status_code == 200, stopped.text
    done = stopped.json()["result"]["session"]
    cost = done["cost"]
    assert 0 < cost["amount"] <= hold["amount"]
    assert done["payment"]["status"] == "succeeded" and done["payment"]["captured"] == cost
    payment = invoke(http, car, "payments_get_payment", {"payment_id": done["payment"]["id"]}).json()
    assert payment["result"]["payment"]["captured"] == cost
    assert payment["result"]["payment"]["amount"] == hold  # what was held; the rest was released
