"""Per-caller limits: token buckets in DynamoDB (moto), moved by the limiter's clock, and the router's
429 problem with Retry-After. A vehicle's buckets are its own: another vehicle is never refused for it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cockpit.errors import RateLimited
from cockpit.ratelimit import Bucket, DynamoRateLimiter, RateLimits
from cockpit.tools.catalog import first_party
from cockpit.tools.model import Caller, Role, ToolSpec
from cockpit_dev.template import Template
from router.handler import lambda_handler as router
from tests.support import events as ev

CAR = Caller(sub="vin-flood", role=Role.VEHICLE)
OTHER = Caller(sub="vin-calm", role=Role.VEHICLE)
LIMITS = RateLimits(
    vehicle=Bucket(per_minute=600, burst=8),
    read=Bucket(per_minute=60, burst=4),
    write=Bucket(per_minute=6, burst=2),
    payment=Bucket(per_minute=2, burst=1),
    partner=Bucket(per_minute=60, burst=3),
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def tool(name: str) -> ToolSpec:
    found = first_party().get(name)
    assert found is not None
    return found


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limiter(gateway: Template, clock: Clock) -> DynamoRateLimiter:
    return DynamoRateLimiter(gateway.tables["IdempotencyTable"].name, LIMITS, clock=clock)


def allowed(limiter: DynamoRateLimiter, caller: Caller, spec: ToolSpec, n: int) -> int:
    """How many of n calls at this instant pass."""
    passed = 0
    for _ in range(n):
        try:
            limiter.take(caller, spec)
            passed += 1
        except RateLimited:
            pass
    return passed


def test_a_read_bucket_allows_its_burst_then_refills_at_its_rate(
    limiter: DynamoRateLimiter, clock: Clock
) -> None:
    find = tool("charging_find_stations")
    assert allowed(limiter, CAR, find, 10) == 4
    with pytest.raises(RateLimited) as refused:
        limiter.take(CAR, find)
    assert refused.value.status == 429 and refused.value.headers["Retry-After"] == "1"
    clock.now += 1.0  # one interval at 60/min
    assert allowed(limiter, CAR, find, 3) == 1
    clock.now += 600  # idle: the bucket is full again, never fuller
    assert allowed(limiter, CAR, find, 10) == 4


def test_writes_and_payments_are_tighter_than_reads(limiter: DynamoRateLimiter, clock: Clock) -> None:
    assert allowed(limiter, CAR, tool("navigation_set_destination"), 5) == 2
    assert allowed(limiter, CAR, tool("payments_create_payment"), 5) == 1
    with pytest.raises(RateLimited) as refused:
        limiter.take(CAR, tool("payments_create_payment"))
    assert int(refused.value.headers["Retry-After"]) == 30  # 2 a minute
    assert allowed(limiter, CAR, tool("charging_find_stations"), 1) == 1  # its own bucket still has room


def test_one_vehicles_flood_never_spends_another_vehicles_buckets(limiter: DynamoRateLimiter) -> None:
    tools = ["charging_find_stations", "navigation_search_places", "booking_list_reservations"]
    passed = sum(allowed(limiter, CAR, tool(name), 10) for name in tools)
    assert passed == 8  # the vehicle's own bucket caps the sum of its tools
    assert allowed(limiter, OTHER, tool("charging_find_stations"), 4) == 4


def test_a_partners_tools_share_one_bucket_across_vehicles(limiter: DynamoRateLimiter) -> None:
    spec = tool("charging_find_stations").model_copy(
        update={"name": "acme_parking_search", "source": "partner:ct_acme", "target": "partner:ct_acme"}
    )
    cars = [Caller(sub=f"vin-{i}", role=Role.VEHICLE) for i in range(5)]
    assert sum(allowed(limiter, car, spec, 1) for car in cars) == 3


def test_the_router_answers_429_problem_with_retry_after(
    gateway: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = LIMITS.model_copy(update={"read": Bucket(per_minute=1, burst=4)})  # real time passes meanwhile
    monkeypatch.setenv("RATE_LIMITS", slow.model_dump_json())
    args = {"location": {"lat": 31.2304, "lon": 121.4737}, "radius_km": 1, "limit": 1}
    answers = [router(ev.invoke("charging_find_stations", args, sub="vin-router"), None) for _ in range(6)]
    assert [a["statusCode"] for a in answers] == [200] * 4 + [429] * 2
    doc = ev.is_problem(answers[-1], 429, "rate-limited")
    assert "this vehicle" in doc["detail"]
    assert 50 <= int(answers[-1]["headers"]["Retry-After"]) <= 60
    other: dict[str, Any] = router(ev.invoke("charging_find_stations", args, sub="vin-other"), None)
    assert other["statusCode"] == 200 and json.loads(other["body"])["status"] == "succeeded"


def test_the_usual_call_is_one_conditional_update(limiter: DynamoRateLimiter, clock: Clock) -> None:
    """Whether the car calls now and then (its buckets idle) or in a burst (running), each call is one
    UpdateItem once this container has seen the buckets; a refused call writes nothing more."""
    from cockpit import aws

    calls: list[str] = []
    aws.client("dynamodb").meta.events.register(
        "before-call.dynamodb", lambda model, **_: calls.append(model.name)
    )
    find = tool("charging_find_stations")
    for _ in range(3):  # now and then
        clock.now += 30
        limiter.take(CAR, find)
    assert calls == ["UpdateItem"] * 3
    calls.clear()
    clock.now += 30
    assert allowed(limiter, CAR, find, 4) == 4  # a burst: idle, then running buckets, pushed on
    assert calls == ["UpdateItem"] * 4
    calls.clear()
    with pytest.raises(RateLimited):
        limiter.take(CAR, find)
    assert calls == ["UpdateItem"]
