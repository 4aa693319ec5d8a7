"""The router answers a 504 problem itself when the request has no time left for the domain function,
instead of API Gateway's bare 504 while work goes on (issue 15, item 7)."""

from __future__ import annotations

import json
from typing import Any

from cockpit_dev.template import Template
from router.handler import lambda_handler as router
from tests.support import events as ev
from tests.support.aws import snapshot

HERE = {"lat": 31.2304, "lon": 121.4737}


class Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def find(context: Any) -> dict[str, Any]:
    return router(ev.invoke("charging_find_stations", {"location": HERE, "radius_km": 2}), context)


def test_no_time_left_answers_a_504_problem_and_calls_nothing(gateway: Template) -> None:
    before = snapshot(gateway)
    answer = find(Context(1_200))
    assert answer["statusCode"] == 504
    assert answer["headers"]["Content-Type"] == "application/problem+json"
    problem = json.loads(answer["body"])
    assert problem["type"].endswith("/upstream-timeout")
    assert "charging_find_stations: no time left" in problem["detail"]
    assert snapshot(gateway) == before


def test_with_time_left_the_call_goes_through(gateway: Template) -> None:
    answer = find(Context(28_000))
    assert answer["statusCode"] == 200, answer["body"]
    assert json.loads(answer["body"])["status"] == "succeeded"
