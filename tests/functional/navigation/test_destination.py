"""The destination store under DynamoDB's own refusals (moto in-process; the conflict injected the way
DynamoDB answers it, through a botocore hook on the real client)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from cockpit import aws
from cockpit.errors import Conflict
from cockpit.vehicle import Point
from cockpit_dev.template import Template
from navigation.models import Destination
from navigation.store import DestinationStore
from tests.support.aws import snapshot

CONFLICT = [{"Code": "None"}, {"Code": "TransactionConflict"}]


class _Raw(io.BytesIO):
    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self.getvalue()


def conflicts(times: int) -> list[int]:
    """Make the next `times` TransactWriteItems calls fail with TransactionConflict; count the calls."""
    calls: list[int] = []

    def answer(**_kwargs: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        calls.append(1)
        if len(calls) > times:
            return None  # let it through to moto
        parsed = {
            "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
            "CancellationReasons": CONFLICT,
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("https://dynamodb.test", 400, {}, _Raw(b"{}")), parsed

    # before-call answers instead of sending: nothing reaches moto, as nothing reaches DynamoDB's table
    # when it cancels a transaction.
    aws.client("dynamodb").meta.events.register_first("before-call.dynamodb.TransactWriteItems", answer)
    return calls


def destination(sid: str = "dst_" + "a" * 24) -> Destination:
    return Destination(
        id=sid,
        destination=Point(lat=31.24, lon=121.49),
        waypoints=[],
        set_at="2026-11-25T08:00:00Z",  # type: ignore[arg-type]
    )


def test_a_transaction_conflict_is_retried(gateway: Template) -> None:
    store = DestinationStore(gateway.tables["NavigationTable"].name)
    calls = conflicts(2)
    assert store.set("vin-1", destination()) == destination()
    assert len(calls) == 3
    assert store.current("vin-1") == destination()


def test_a_lasting_conflict_is_a_409_and_writes_nothing(gateway: Template) -> None:
    store = DestinationStore(gateway.tables["NavigationTable"].name)
    before = snapshot(gateway)
    conflicts(10)
    with pytest.raises(Conflict):
        store.set("vin-1", destination())
    assert snapshot(gateway) == before


def test_the_same_request_twice_answers_the_first_record(gateway: Template) -> None:
    store = DestinationStore(gateway.tables["NavigationTable"].name)
    first = store.set("vin-1", destination())
    later = destination().model_copy(update={"name": "changed"})
    assert store.set("vin-1", later) == first
    assert store.current("vin-1") == first
    assert store.current("vin-2") is None
