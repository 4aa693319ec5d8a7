"""The booking table: drivers' reservations (one partition per driver), changed only by conditional writes.

A reservation is written together with the provider's capacity change in one transaction, so a slot's
remaining capacity and the reservations holding it never disagree.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from botocore.exceptions import ClientError

from booking.models import TRANSITIONS, Reservation, ReservationStatus
from cockpit import aws
from cockpit.ddb import S, cancelled_by_condition, condition_failed, text


class Outcome(Enum):
    CREATED = "created"
    EXISTS = "exists"  # the same reservation id is already there (a duplicated invocation)
    REFUSED = "refused"  # another item of the transaction refused (e.g. the slot is full)


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

    def create(self, reservation: Reservation, *also: dict[str, Any]) -> Outcome:
        """Write the reservation (once) with the other transaction items, all or nothing."""
        put = {
            "Put": {
                "TableName": self.table,
                "Item": {
                    **self._key(reservation.owner, reservation.id),
                    "state": S(reservation.status.value),
                    "slot_id": S(reservation.slot_id),
                    "doc": S(reservation.model_dump_json()),
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        try:
            aws.client("dynamodb").transact_write_items(TransactItems=[put, *also])
            return Outcome.CREATED
        except ClientError as exc:
            if not cancelled_by_condition(exc):
                raise
            reasons = exc.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return Outcome.EXISTS
            if reasons:
                return Outcome.REFUSED
        # no reasons given: look
        found = self.get(reservation.owner, reservation.id)
        return Outcome.EXISTS if found is not None else Outcome.REFUSED

    def transition(self, new: Reservation, expected: ReservationStatus, *also: dict[str, Any]) -> bool:
        """Write the reservation's new state if it is still `expected`; False when it no longer is."""
        if new.status not in TRANSITIONS[expected]:
            raise ValueError(f"a reservation cannot go from {expected.value} to {new.status.value}")
        update = {
            "Update": {
                "TableName": self.table,
                "Key": self._key(new.owner, new.id),
                "UpdateExpression": "SET #state = :state, doc = :doc",
                "ConditionExpression": "#state = :expected",
                "ExpressionAttributeNames": {"#state": "state"},
                "ExpressionAttributeValues": {
                    ":state": S(new.status.value),
                    ":doc": S(new.model_dump_json()),
                    ":expected": S(expected.value),
                },
            }
        }
        try:
            if also:
                aws.client("dynamodb").transact_write_items(TransactItems=[update, *also])
            else:
                aws.client("dynamodb").update_item(**update["Update"])
            return True
        except ClientError as exc:
            if condition_failed(exc) or cancelled_by_condition(exc):
                return False
            raise
