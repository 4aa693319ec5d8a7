"""The booking table: drivers' reservations (one partition per driver), changed only by conditional writes.

Each write touches one item: the reservation is created once (its id comes from the Idempotency-Key)
and changes state only from the state it was read in. Capacity is the provider's (see sandbox.py).
"""

from __future__ import annotations

from booking.models import TRANSITIONS, Reservation, ReservationStatus
from cockpit import aws
from cockpit.ddb import S, text, write_if


class ReservationStore:
    def __init__(self, table: str) -> None:
        self.table = table

    @staticmethod
    def _key(owner: str, reservation_id: str) -> dict[str, dict[str, str]]:
        return {"pk": S(f"OWNER#{owner}"), "sk": S(f"RES#{reservation_id}")}

    def get(self, owner: str, reservation_id: str) -> Reservation | None:
        got = aws.client("dynamodb").get_item(
            TableName=self.table, Key=self._key(owner, reservation_id), ConsistentRead=True
        )
        item = got.get("Item")
        return Reservation.model_validate_json(text(item, "doc")) if item else None

    def list(self, owner: str) -> list[Reservation]:
        pages = (
            aws.client("dynamodb")
            .get_paginator("query")
            .paginate(
                TableName=self.table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :res)",
                ExpressionAttributeValues={":pk": S(f"OWNER#{owner}"), ":res": S("RES#")},
            )
        )
        return [Reservation.model_validate_json(text(i, "doc")) for page in pages for i in page["Items"]]

    def stuck(self) -> tuple[Reservation, ...]:
        """Reservations the reconciler may have to settle: pending ones, confirmed ones whose payment is
        only held, cancelled ones whose money is not back yet. A filtered scan: few match, and the
        reconciler runs every few minutes, not per request."""
        pages = (
            aws.client("dynamodb")
            .get_paginator("scan")
            .paginate(
                TableName=self.table,
                FilterExpression="begins_with(sk, :res) AND (#state = :pending OR "
                "(#state = :confirmed AND pay = :authorized) OR "
                "(#state = :cancelled AND pay IN (:authorized, :captured)))",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":res": S("RES#"),
                    ":pending": S(ReservationStatus.PENDING.value),
                    ":confirmed": S(ReservationStatus.CONFIRMED.value),
                    ":cancelled": S(ReservationStatus.CANCELLED.value),
                    ":authorized": S("authorized"),
                    ":captured": S("captured"),
                },
                ConsistentRead=True,
            )
        )
        return tuple(Reservation.model_validate_json(text(i, "doc")) for page in pages for i in page["Items"])

    def create(self, reservation: Reservation) -> bool:
        """Write the reservation once; False when it already exists (a duplicated invocation)."""
        return write_if(
            aws.client("dynamodb").put_item,
            TableName=self.table,
            Item={
                **self._key(reservation.owner, reservation.id),
                "state": S(reservation.status.value),
                "slot_id": S(reservation.slot_id),
                "created_at": S(reservation.created_at.isoformat()),
                "doc": S(reservation.model_dump_json()),
                "pay": S(reservation.payment.status),
            },
            ConditionExpression="attribute_not_exists(pk)",
        ).ok

    def forget(self, reservation: Reservation) -> None:
        """Remove a reservation that never got its capacity (still pending), so nothing is half-written."""
        write_if(
            aws.client("dynamodb").delete_item,
            TableName=self.table,
            Key=self._key(reservation.owner, reservation.id),
            ConditionExpression="#state = :pending",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":pending": S(ReservationStatus.PENDING.value)},
        )

    def restart(self, old: Reservation, new: Reservation) -> bool:
        """Take over a pending reservation a stopped call left behind; True for exactly one taker."""
        return write_if(
            aws.client("dynamodb").update_item,
            TableName=self.table,
            Key=self._key(old.owner, old.id),
            UpdateExpression="SET created_at = :new, doc = :doc",
            ConditionExpression="#state = :pending AND created_at = :old",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":pending": S(ReservationStatus.PENDING.value),
                ":old": S(old.created_at.isoformat()),
                ":new": S(new.created_at.isoformat()),
                ":doc": S(new.model_dump_json()),
            },
        ).ok

    def transition(self, new: Reservation, expected: ReservationStatus) -> bool:
        """Write the reservation's new state if it is still `expected`; False when it no longer is."""
        if new.status not in TRANSITIONS[expected]:
            raise ValueError(f"a reservation cannot go from {expected.value} to {new.status.value}")
        return self._write_if(
            new,
            "SET #state = :state, doc = :doc, pay = :pay",
            "#state = :expected",
            {":expected": expected.value},
        )

    def record_payment(self, new: Reservation, was: str) -> bool:
        """Write what happened to the money if the reservation is still in `new.status` and its payment
        still `was`; False when another call moved either first (so each step is recorded once)."""
        unmoved = "#state = :state AND (attribute_not_exists(pay) OR pay = :was)"
        return self._write_if(new, "SET doc = :doc, pay = :pay", unmoved, {":was": was})

    def _write_if(self, new: Reservation, update: str, condition: str, values: dict[str, str]) -> bool:
        """One conditional update of the reservation's item; False when the condition no longer holds."""
        return write_if(
            aws.client("dynamodb").update_item,
            TableName=self.table,
            Key=self._key(new.owner, new.id),
            UpdateExpression=update,
            ConditionExpression=condition,
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":state": S(new.status.value),
                ":doc": S(new.model_dump_json()),
                ":pay": S(new.payment.status),
                **{name: S(value) for name, value in values.items()},
            },
        ).ok
