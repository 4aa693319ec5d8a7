"""The sandbox booking provider: venues and slot schedule from `sandbox_data`, capacity in DynamoDB.

A slot's capacity is numbered units (covers, spaces, bays, rooms); the schedule says how many other
guests already hold the first ones. Each unit one of our drivers holds is an item in the booking table,
in one partition per (city, kind, local day): `INV#<city>#<kind code>#<yyyy-mm-dd>` / `UNIT#<slot>#<n>`,
holder = the reservation id. A unit is taken by a put conditional on its absence and freed by a delete
conditional on its holder, so two drivers never hold one unit and a unit is freed exactly once. A search
is one query per partition and writes nothing.

One vehicle may hold at most `max_holds_per_vehicle` reservations in one slot (a restaurant table counts
once, whatever the party): each holding reservation takes one of the vehicle's numbered places
`HOLDER#<slot>#<vehicle digest>#<k>`, k ≤ the cap, by the same conditional put, so seven keys racing
cannot take seven spaces. A reservation resumed after a crash finds its own units and place and takes
only what it lacks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from booking import sandbox_data as data
from booking.ports import Kind, Outcome, Slot, Venue
from cockpit import aws
from cockpit.clock import utcnow
from cockpit.ddb import S, condition_failed, text
from cockpit.errors import BookingLimitExceeded


def partition(venue: Venue, day: date) -> str:
    return f"INV#{data.city_of(venue)}#{data.KIND_CODES[venue.kind]}#{day.isoformat()}"


class SandboxProvider:
    def __init__(
        self,
        table: str,
        horizon_days: int = 14,
        clock: Callable[[], datetime] = utcnow,
        max_holds_per_vehicle: int = 2,
    ) -> None:
        self.table = table
        self.horizon_days = horizon_days
        self.clock = clock
        self.max_holds = max_holds_per_vehicle

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
            held = self._held(key) if self._on_sale(days[key]) else {}
            for v in group:
                for spec in data.day_schedule(v, days[key]):
                    if start <= spec.start < end:
                        out.append(_slot(spec, v, initial(spec) - held.get(spec.id, 0)))
        return out

    def slot(self, slot_id: str, *, with_remaining: bool = True) -> Slot | None:
        spec = data.spec(slot_id)
        if spec is None:
            return None
        venue = data.venues()[spec.venue_id]
        if not with_remaining:
            return _slot(spec, venue, None)
        if not self._on_sale(spec.start.date()):  # long past or not yet open: nothing to book
            return _slot(spec, venue, 0)
        held = len(self._units(partition(venue, spec.start.date()), slot_id))
        return _slot(spec, venue, initial(spec) - held)

    def next_night(self, slot_id: str) -> str | None:
        spec = data.spec(slot_id)
        if spec is None:
            return None
        venue = data.venues()[spec.venue_id]
        local = spec.start.astimezone(ZoneInfo(venue.time_zone))
        following = data.slot_id(venue.id, local + timedelta(days=1))
        return following if data.spec(following) is not None else None

    def hold(self, slot: Slot, reservation_id: str, units: int, owner: str) -> bool:
        spec = data.spec(slot.id)
        if spec is None:
            raise ValueError(f"no slot {slot.id}")
        key = self._partition_of(spec)
        if not self._take_place(key, spec.id, owner, reservation_id):
            raise BookingLimitExceeded(
                f"this vehicle already holds {self.max_holds} booking(s) of this slot, as many as one may"
            )
        held = self._units(key, spec.id)
        mine = sum(1 for _n, holder in held if holder == reservation_id)  # a resumed reservation's own
        taken = {n for n, _holder in held}
        free = [n for n in range(data.already_taken(spec) + 1, spec.capacity + 1) if n not in taken]
        for n in free:  # claim free units one by one; a racer may get some first
            if mine >= units:
                break
            if self._claim(key, _unit_sk(spec.id, n), reservation_id):
                mine += 1
        if mine >= units:
            return True
        self.release(slot.id, reservation_id)  # too few: give back all it holds, so nothing is half-held
        return False

    def release(self, slot_id: str, reservation_id: str) -> int:
        spec = data.spec(slot_id)
        if spec is None:
            return 0
        key = self._partition_of(spec)
        items = self._items(key, f"HOLDER#{slot_id}#") + self._items(key, f"UNIT#{slot_id}#")
        freed = [
            sk for sk, holder in items if holder == reservation_id and self._unclaim(key, sk, reservation_id)
        ]
        return sum(1 for sk in freed if sk.startswith("UNIT#"))  # units; the vehicle's place goes with them

    def _take_place(self, key: str, slot_id: str, owner: str, reservation_id: str) -> bool:
        """One of the vehicle's numbered places in this slot for this reservation (its own if it has one)."""
        prefix = f"HOLDER#{slot_id}#{hashlib.sha256(owner.encode()).hexdigest()[:16]}#"
        places = self._items(key, prefix)
        if any(holder == reservation_id for _sk, holder in places):
            return True
        taken = {sk for sk, _holder in places}
        for k in range(1, self.max_holds + 1):
            sk = f"{prefix}{k:02d}"
            if sk not in taken and self._claim(key, sk, reservation_id):
                return True
        return False

    def _claim(self, key: str, sk: str, reservation_id: str) -> bool:
        try:
            aws.client("dynamodb").put_item(
                TableName=self.table,
                Item={"pk": S(key), "sk": S(sk), "holder": S(reservation_id)},
                ConditionExpression="attribute_not_exists(pk)",
            )
            return True
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise

    def _unclaim(self, key: str, sk: str, reservation_id: str) -> bool:
        """Free one unit (or place) if this reservation holds it: freed once, however many try."""
        try:
            aws.client("dynamodb").delete_item(
                TableName=self.table,
                Key={"pk": S(key), "sk": S(sk)},
                ConditionExpression="holder = :rid",
                ExpressionAttributeValues={":rid": S(reservation_id)},
            )
            return True
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise

    def _units(self, key: str, slot_id: str) -> list[tuple[int, str]]:
        """(unit number, holder) of every unit of this slot our drivers hold."""
        return [(int(sk.rsplit("#", 1)[1]), holder) for sk, holder in self._items(key, f"UNIT#{slot_id}#")]

    def _items(self, key: str, prefix: str) -> list[tuple[str, str]]:
        """(sort key, holder) of the partition's items under `prefix`."""
        got = aws.client("dynamodb").query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": S(key), ":prefix": S(prefix)},
            ConsistentRead=True,
        )
        return [(text(i, "sk"), text(i, "holder")) for i in got["Items"]]

    @staticmethod
    def _partition_of(spec: data.SlotSpec) -> str:
        return partition(data.venues()[spec.venue_id], spec.start.date())

    def outcome(self, slot_id: str, reservation_id: str, now: datetime) -> Outcome | None:
        """A simulated venue sees every guest arrive: a confirmed booking is fulfilled once its slot ends."""
        spec = data.spec(slot_id)
        return Outcome.FULFILLED if spec is not None and spec.end <= now else None

    # -- counters ------------------------------------------------------------------------------------

    def _on_sale(self, day: date) -> bool:
        """Days the sandbox sells: from yesterday (local days behind UTC) to the booking horizon."""
        today = self.clock().date()
        return today - timedelta(days=1) <= day <= today + timedelta(days=self.horizon_days)

    def _held(self, key: str) -> dict[str, int]:
        """slot id -> units our drivers hold, for every slot of the partition."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :unit)",
            "ExpressionAttributeValues": {":pk": S(key), ":unit": S("UNIT#")},
            "ConsistentRead": True,
        }
        found: dict[str, int] = {}
        while True:  # a partition holds at most a day's slots of one city and kind: one page in practice
            page = aws.client("dynamodb").query(**request)
            for i in page["Items"]:
                slot_id = text(i, "sk")[5:].rsplit("#", 1)[0]
                found[slot_id] = found.get(slot_id, 0) + 1
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _unit_sk(slot_id: str, n: int) -> str:
    return f"UNIT#{slot_id}#{n:03d}"


def initial(spec: data.SlotSpec) -> int:
    """A slot's remaining capacity before any driver of ours booked it."""
    return spec.capacity - data.already_taken(spec)


def _local_days(venue: Venue, start: datetime, end: datetime) -> list[date]:
    """The venue's local days that [start, end) touches (a hotel night starts the day before it ends)."""
    tz = ZoneInfo(venue.time_zone)
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _slot(spec: data.SlotSpec, venue: Venue, remaining: int | None) -> Slot:
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
