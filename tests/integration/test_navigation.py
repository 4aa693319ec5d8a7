"""The car's destination against a real AWS endpoint (moto server by default): racing and duplicated
set_destination calls, as the head unit and a retrying assistant produce them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import boto3
import pytest

from cockpit.tools.model import Caller, Role, ToolInvocation
from cockpit.vehicle import Point
from cockpit_dev.template import Template
from navigation.models import SetDestinationArgs
from navigation.sandbox import SandboxPlaces, SandboxRouting
from navigation.service import NavigationService
from navigation.store import DestinationStore

T = TypeVar("T")
N = 16
START = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def race(n: int, attempt: Callable[[int], T]) -> list[T]:
    gate = threading.Barrier(n)

    def run(i: int) -> T:
        gate.wait()
        return attempt(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


class NoCharging:
    def find(self, _query: Any) -> list[Any]:
        raise AssertionError("destination calls never ask the charging domain")


@pytest.fixture
def service(stack: Template) -> NavigationService:
    ticks = iter(START + timedelta(seconds=i) for i in range(10_000))
    lock = threading.Lock()

    def clock() -> datetime:
        with lock:
            return next(ticks)

    store = DestinationStore(stack.tables["NavigationTable"].name)
    return NavigationService(SandboxPlaces(), SandboxRouting(), NoCharging(), store, clock=clock)


def invocation(sub: str, key: str) -> ToolInvocation:
    return ToolInvocation(
        invocation_id=f"inv-{key}",
        tool="navigation_set_destination",
        arguments={},
        caller=Caller(sub=sub, role=Role.VEHICLE),
        idempotency_key=key,
    )


def items(stack: Template, aws_url: str, sub: str) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb", endpoint_url=aws_url)
    found = client.query(
        TableName=stack.tables["NavigationTable"].name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"VEHICLE#{sub}"}},
        ConsistentRead=True,
    )
    return found["Items"]  # type: ignore[no-any-return]


def test_one_call_delivered_many_times_records_once(
    service: NavigationService, stack: Template, aws_url: str
) -> None:
    sub = "vin-race-same"
    args = SetDestinationArgs(destination=Point(lat=31.24, lon=121.49), name="The Bund")
    answers = race(N, lambda _i: service.set_destination(invocation(sub, "same-key"), args))
    assert len({a.model_dump_json() for a in answers}) == 1  # every duplicate answers the first record
    kinds = sorted(i["sk"]["S"].split("#")[0] for i in items(stack, aws_url, sub))
    assert kinds == ["DESTINATION", "REQUEST"]
    current = service.get_destination(invocation(sub, "read")).destination
    assert current == answers[0].destination


def test_racing_destinations_leave_one_of_them(
    service: NavigationService, stack: Template, aws_url: str
) -> None:
    sub = "vin-race-many"
    points = [Point(lat=31.2 + i / 1000, lon=121.4) for i in range(N)]
    answers = race(
        N,
        lambda i: service.set_destination(
            invocation(sub, f"key-{i}"), SetDestinationArgs(destination=points[i])
        ),
    )
    assert len({a.destination.id for a in answers if a.destination}) == N
    current = service.get_destination(invocation(sub, "read")).destination
    assert current is not None and current.destination in points
    assert len(items(stack, aws_url, sub)) == N + 1


def test_a_late_duplicate_does_not_overwrite_a_newer_destination(service: NavigationService) -> None:
    sub = "vin-late-dup"
    old = SetDestinationArgs(destination=Point(lat=31.24, lon=121.49))
    new = SetDestinationArgs(destination=Point(lat=31.19, lon=121.32))
    first = service.set_destination(invocation(sub, "k-old"), old)
    service.set_destination(invocation(sub, "k-new"), new)
    again = service.set_destination(invocation(sub, "k-old"), old)  # Lambda delivered it twice
    assert again == first
    current = service.get_destination(invocation(sub, "read")).destination
    assert current is not None and current.destination == new.destination
