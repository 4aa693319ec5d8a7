"""Payments: its handler warm for a read tool (no AWS call) against the raw handler, and DynamoDB calls
per function while the router calls payments and charging calls payments (served in process)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bench.harness import (
    CONTEXT,
    Rounds,
    Table,
    function_env,
    in_process_aws,
    ok,
    quiet,
    raw_call,
    router_call,
    signed_in,
    timing,
)


def dynamodb_calls() -> Table:
    from tests.support import events

    rows: list[tuple[str, str]] = []
    with in_process_aws("RouterFunction", "ChargingFunction", "PaymentsFunction") as (_, aws_calls):

        def measure(label: str, event: dict[str, Any]) -> dict[str, Any]:
            call = router_call(signed_in(event))
            answer, detail = aws_calls.measure("router", call, ("router", "charging", "payments"))
            rows.append((label, detail))
            return ok(answer)

        def ask_then_confirm(label: str, tool: str, arguments: dict[str, Any], key: str) -> dict[str, Any]:
            asked = measure(f"{label}, ask confirmation", events.invoke(tool, arguments, key=key))
            body = {"confirmation_token": asked["confirmation"]["token"]}
            done = measure(f"{label}, confirmed", events.invoke(tool, arguments, key=key, body=body))
            measure(
                f"{label}, replayed (Idempotency-Key)", events.invoke(tool, arguments, key=key, body=body)
            )
            return done

        measure("payments_list_methods (read)", events.invoke("payments_list_methods", {}))
        pay = {
            "amount": {"amount": 4550, "currency": "CNY"},
            "merchant": "shanghai_star_charging",
            "purpose": "b",
        }
        paid = ask_then_confirm("payments_create_payment", "payments_create_payment", pay, "p1")
        pid = paid["result"]["payment"]["id"]
        measure("payments_get_payment (read)", events.invoke("payments_get_payment", {"payment_id": pid}))
        refund = {"payment_id": pid, "amount": {"amount": 1000, "currency": "CNY"}}
        ask_then_confirm("payments_refund_payment", "payments_refund_payment", refund, "r1")
        start = {"station_id": "CN-SHA-0001", "payment_method_id": "pm_card_visa"}
        started = ask_then_confirm(
            "charging_start_session with a card (hold)", "charging_start_session", start, "c1"
        )
        session = {"session_id": "cs_" + started["operation"]["id"].removeprefix("op_")}
        measure(
            "charging_stop_session with a card (settles the hold)",
            events.invoke("charging_stop_session", session, key="c2"),
        )
    title = "Payments: DynamoDB calls per invoke (router → payments; charging → payments)"
    return Table(title, ("call", "DynamoDB calls"), rows, formats=("",))


def tables(rounds: Rounds) -> Iterator[Table]:
    from payments.handler import lambda_handler
    from tests.support import events

    event = events.sample("payments/list_methods.json")
    with function_env("PaymentsFunction"), quiet():
        assert lambda_handler(event, CONTEXT)["status"] == "succeeded"
        table = timing(
            f"Payments: warm domain handler against the raw handler ({rounds.warm} calls each, µs)",
            [
                ("raw pydantic handler", raw_call()),
                ("payments.handler, payments_list_methods", lambda: lambda_handler(event, CONTEXT)),
            ],
            rounds.warm,
            rounds.warmup,
        )
    yield table  # printed outside quiet(), which holds the metrics off stdout
    yield dynamodb_calls()
