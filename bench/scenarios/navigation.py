"""Navigation: DynamoDB calls per function while the router calls navigation (served in process), and
its handler warm with its own work included (sandbox providers: no AWS call) against the raw handler."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from bench.harness import (
    CONTEXT,
    SQUARE,
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

HONGQIAO = {"lat": 31.1945, "lon": 121.3205}


def calls() -> dict[str, Callable[[], Any]]:
    """The navigation function's handler answering ToolInvocation events in process (warm path)."""
    from navigation.handler import lambda_handler

    def event(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        caller = {"sub": "vin-bench", "role": "vehicle"}
        return {
            "kind": "tool_invocation",
            "invocation_id": "b",
            "tool": tool,
            "arguments": arguments,
            "caller": caller,
        }

    search = event("navigation_search_places", {"query": "星巴克", "location": SQUARE, "limit": 5})
    plan = event("navigation_plan_route", {"origin": SQUARE, "destination": HONGQIAO})
    return {
        "search_places": lambda: lambda_handler(search, CONTEXT),
        "plan_route": lambda: lambda_handler(plan, CONTEXT),
    }


def dynamodb_calls() -> Table:
    from tests.support import events

    rows: list[tuple[str, str]] = []
    with in_process_aws("RouterFunction", "ChargingFunction", "NavigationFunction") as (_, aws_calls):
        for label, event in (
            (
                "navigation_search_places (read)",
                events.invoke("navigation_search_places", {"query": "星巴克", "location": SQUARE}),
            ),
            (
                "navigation_set_destination (write)",
                events.invoke("navigation_set_destination", {"destination": SQUARE}, key="n1"),
            ),
            (
                "navigation_set_destination replayed",
                events.invoke("navigation_set_destination", {"destination": SQUARE}, key="n1"),
            ),
            ("navigation_get_destination (read)", events.invoke("navigation_get_destination", {})),
        ):
            answer, detail = aws_calls.measure(
                "router", router_call(signed_in(event)), ("router", "navigation")
            )
            ok(answer)
            rows.append((label, detail))
    return Table(
        "DynamoDB calls per invoke: navigation (router → navigation)",
        ("call", "DynamoDB calls"),
        rows,
        formats=("",),
    )


def tables(rounds: Rounds) -> Iterator[Table]:
    yield dynamodb_calls()
    with function_env("NavigationFunction"), quiet():
        handler = calls()
        assert handler["plan_route"]()["status"] == "succeeded"
        table = timing(
            f"Navigation function, warm, in process, its own work included ({rounds.warm // 3} calls, µs)",
            [
                ("raw pydantic handler", raw_call()),
                ("navigation_search_places (sandbox, 255 places)", handler["search_places"]),
                ("navigation_plan_route (sandbox, 18 km)", handler["plan_route"]),
            ],
            rounds.warm // 3,
            rounds.warmup,
        )
    yield table  # printed outside quiet(), which holds the metrics off stdout
