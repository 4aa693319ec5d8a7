"""The sandbox booking provider: venues and slot schedule from `sandbox_data`, capacity in DynamoDB.

Slot capacity lives in the booking table, one partition per (city, kind, local day):
`INV#<city>#<kind code>#<yyyy-mm-dd>` holds a `SLOT#<slot id>` item with `remaining` per slot and a
`#STOCKED` marker. A partition is stocked on first use (or by the seed hook) in one transaction that
is conditional on the marker, so racing first users cannot reset a slot someone already booked.
Taking and giving back capacity are conditional updates, used inside the reservation's transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from booking import sandbox_data as data
from booking.ports import Kind, Slot, Venue
from cockpit import aws
from cockpit.clock import utcnow
from cockpit.ddb import N, S, cancelled_by_condition, number, text
from cockpit.errors import UpstreamError

MARKER = "#STOCKED"


def partition(venue: Venue, day: date) -> str:
    return f"INV#{data.city_of(venue)}#{data.KIND_CODES[venue.kind]}#{day.isoformat()}"


class SandboxProvider:
    def __init__(self, table: str, horizon_days: int = 14, clock: Callable[[], datetime] = utcnow) -> None:
        self.table = table
        self.horizon_days = horizon_days
        self.clock = clock

    # -- catalogue (code) ---------------------------------------------------------------------------

    def venues(self, kind: Kind) -> Sequence[Venue]:
        return data.by_kind(kind)

    def venue(self, venue_id: str) -> Venue | None:
        return data.venues().get(venue_id)

    # -- slots (DynamoDB) ---------------------------------------------------------------------------

    def slots(self, venues: Sequence[Venue], start: datetime, end: datetime) -> list[Slot]:
        wanted: dict[str, list[Venue]] = {}
        days: dict[str, date] = {}
        for v in venues:
            for day in _local_days(v, start, end):
                key = partition(v, day)
                wanted.setdefault(key, []).append(v)
                days[key] = day
        out: list[Slot] = []
        for key, group in wanted.items():
            remaining = self._stock(key, data.by_kind(group[0].kind), days[key])
            for v in group:
                for spec in data.day_schedule(v, days[key]):
                    if start <= spec.start < end:
                        out.append(_slot(spec, v, remaining.get(spec.id, 0)))
        return out

    def slot(self, slot_id: str) -> Slot | None:
        spec = data.spec(slot_id)
        if spec is None:
            return None
        venue = data.venues()[spec.venue_id]
        if not self._stockable(spec.start):  # long past or not yet open: nothing to book, nothing to stock
            return _slot(spec, venue, 0)
        key = partition(venue, spec.start.date())
        got = aws.client("dynamodb").get_item(
            TableName=self.table, Key={"pk": S(key), "sk": S(f"SLOT#{slot_id}")}, ConsistentRead=True
        )
        item = got.get("Item")
        if item is None:
            remaining = self._stock(key, data.by_kind(venue.kind), spec.start.date()).get(slot_id, 0)
        else:
            remaining = int(number(item, "remaining"))
        return _slot(spec, venue, remaining)

    def hold_request(self, slot: Slot, units: int) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table,
                "Key": self._slot_key(slot.id),
                "UpdateExpression": "SET remaining = remaining - :u",
                "ConditionExpression": "attribute_exists(pk) AND remaining >= :u",
                "ExpressionAttributeValues": {":u": N(units)},
            }
        }

    def release_request(self, slot_id: str, units: int) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table,
                "Key": self._slot_key(slot_id),
                "UpdateExpression": "SET remaining = remaining + :u",
                # exactly once: the reservation's own state change is in the same transaction
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": {":u": N(units)},
            }
        }

    def _slot_key(self, slot_id: str) -> dict[str, dict[str, str]]:
        spec = data.spec(slot_id)
        if spec is None:
            raise ValueError(f"no slot {slot_id}")
        venue = data.venues()[spec.venue_id]
        return {"pk": S(partition(venue, spec.start.date())), "sk": S(f"SLOT#{slot_id}")}

    # -- stocking -----------------------------------------------------------------------------------

    def _stockable(self, start: datetime) -> bool:
        now = self.clock()
        return now - timedelta(days=1) <= start <= now + timedelta(days=self.horizon_days)

    def stock(self, kind: Kind, day: date) -> int:
        """Stock every partition of this kind on this day (the seed hook); how many were new."""
        groups: dict[str, list[Venue]] = {}
        for v in data.by_kind(kind):
            groups.setdefault(partition(v, day), []).append(v)
        return sum(self._put_stock(key, group, day) for key, group in groups.items())

    def _stock(self, key: str, kind_venues: Iterable[Venue], day: date) -> dict[str, int]:
        """slot id -> remaining for one partition, stocking it first if nobody has."""
        for _attempt in range(3):
            found = self._read(key)
            if found is not None:
                return found
            group = [v for v in kind_venues if partition(v, day) == key]
            self._put_stock(key, group, day)
        raise UpstreamError(f"the sandbox inventory {key} could not be stocked")

    def _read(self, key: str) -> dict[str, int] | None:
        pages = (
            aws.client("dynamodb")
            .get_paginator("query")
            .paginate(
                TableName=self.table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": S(key)},
                ConsistentRead=True,
            )
        )
        items = [i for page in pages for i in page["Items"]]
        if not any(text(i, "sk") == MARKER for i in items):
            return None
        return {text(i, "sk")[5:]: int(number(i, "remaining")) for i in items if text(i, "sk") != MARKER}

    def _put_stock(self, key: str, group: Sequence[Venue], day: date) -> bool:
        """One transaction: the marker and every slot, each only if absent. False if already stocked."""
        items: list[dict[str, Any]] = [self._put(key, MARKER, {})]
        for v in group:
            for spec in data.day_schedule(v, day):
                left = spec.capacity - data.already_taken(spec)
                counts = {"capacity": N(spec.capacity), "remaining": N(left)}
                items.append(self._put(key, f"SLOT#{spec.id}", counts))
        try:
            aws.client("dynamodb").transact_write_items(TransactItems=items)
            return True
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if cancelled_by_condition(exc) or code == "TransactionConflictException":
                time.sleep(0.05)  # someone else is stocking it: read theirs
                return False
            raise

    def _put(self, key: str, sk: str, attrs: dict[str, Any]) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table,
                "Item": {"pk": S(key), "sk": S(sk), **attrs},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }


def _local_days(venue: Venue, start: datetime, end: datetime) -> list[date]:
    """The venue's local days that [start, end) touches (a hotel night starts the day before it ends)."""
    tz = ZoneInfo(venue.time_zone)
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _slot(spec: data.SlotSpec, venue: Venue, remaining: int) -> Slot:
    return Slot(
        id=spec.id,
        venue=venue,
        start=spec.start,
        end=spec.end,
        capacity=spec.capacity,
        remaining=remaining,
        price=spec.price,
        requires_prepayment=spec.requires_prepayment,
        cancellation_fee=spec.cancellation_fee,
        free_cancellation_until=spec.free_cancellation_until,
    )
