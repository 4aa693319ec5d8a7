"""The sandbox booking provider: venues and slot schedule from `sandbox_data`, capacity in DynamoDB.

A slot's remaining capacity lives in the booking table, in one partition per (city, kind, local day):
`INV#<city>#<kind code>#<yyyy-mm-dd>` holds a `SLOT#<slot id>` counter for every slot anyone has
booked. A slot nobody has booked yet has no item: its remaining capacity is the schedule's (capacity
less the other guests the schedule says are already there). The first booking creates the counter
with `if_not_exists`, in the same conditional update that takes the units, so racing first bookings
can never oversell, and a search is one query per partition, with no writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from booking import sandbox_data as data
from booking.ports import Kind, Outcome, Slot, Venue
from cockpit import aws
from cockpit.clock import utcnow
from cockpit.ddb import N, S, number, text


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
            counters = self._read(key) if self._on_sale(days[key]) else {}
            for v in group:
                for spec in data.day_schedule(v, days[key]):
                    if start <= spec.start < end:
                        out.append(_slot(spec, v, counters.get(spec.id, initial(spec))))
        return out

    def slot(self, slot_id: str) -> Slot | None:
        spec = data.spec(slot_id)
        if spec is None:
            return None
        venue = data.venues()[spec.venue_id]
        if not self._on_sale(spec.start.date()):  # long past or not yet open: nothing to book
            return _slot(spec, venue, 0)
        key = partition(venue, spec.start.date())
        got = aws.client("dynamodb").get_item(
            TableName=self.table, Key={"pk": S(key), "sk": S(f"SLOT#{slot_id}")}, ConsistentRead=True
        )
        item = got.get("Item")
        remaining = initial(spec) if item is None else int(number(item, "remaining"))
        return _slot(spec, venue, remaining)

    def hold_request(self, slot: Slot, units: int) -> dict[str, Any]:
        spec = data.spec(slot.id)
        if spec is None:
            raise ValueError(f"no slot {slot.id}")
        first = initial(spec)
        # A slot nobody booked has no counter yet: the first booking creates it with the schedule's.
        condition = (
            "attribute_not_exists(remaining) OR remaining >= :u" if first >= units else "remaining >= :u"
        )
        return {
            "Update": {
                "TableName": self.table,
                "Key": self._slot_key(slot.id),
                "UpdateExpression": "SET remaining = if_not_exists(remaining, :first) - :u, #cap = :cap",
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {"#cap": "capacity"},  # a reserved word
                "ExpressionAttributeValues": {":u": N(units), ":first": N(first), ":cap": N(spec.capacity)},
            }
        }

    def release_request(self, slot_id: str, units: int) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table,
                "Key": self._slot_key(slot_id),
                "UpdateExpression": "SET remaining = remaining + :u",
                # exactly once: the reservation's own state change is in the same transaction
                "ConditionExpression": "attribute_exists(remaining)",
                "ExpressionAttributeValues": {":u": N(units)},
            }
        }

    def outcome(self, slot_id: str, reservation_id: str, now: datetime) -> Outcome | None:
        """A simulated venue sees every guest arrive: a confirmed booking is fulfilled once its slot ends."""
        spec = data.spec(slot_id)
        return Outcome.FULFILLED if spec is not None and spec.end <= now else None

    def _slot_key(self, slot_id: str) -> dict[str, dict[str, str]]:
        spec = data.spec(slot_id)
        if spec is None:
            raise ValueError(f"no slot {slot_id}")
        venue = data.venues()[spec.venue_id]
        return {"pk": S(partition(venue, spec.start.date())), "sk": S(f"SLOT#{slot_id}")}

    # -- counters ------------------------------------------------------------------------------------

    def _on_sale(self, day: date) -> bool:
        """Days the sandbox sells: from yesterday (local days behind UTC) to the booking horizon."""
        today = self.clock().date()
        return today - timedelta(days=1) <= day <= today + timedelta(days=self.horizon_days)

    def _read(self, key: str) -> dict[str, int]:
        """slot id -> remaining, for every slot of the partition that has a counter."""
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
        return {text(i, "sk")[5:]: int(number(i, "remaining")) for page in pages for i in page["Items"]}


def initial(spec: data.SlotSpec) -> int:
    """A slot's remaining capacity before any driver of ours booked it."""
    return spec.capacity - data.already_taken(spec)


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
