"""The charging table: drivers' sessions, and the simulated CPO's EVSE occupancy.

Sessions change state with conditional writes, and together with their operation in one
transaction, so a session and the operation the driver polls never disagree.
"""

from __future__ import annotations

from typing import Any

from charging.models import ChargingSession, SessionStatus
from charging.ports import EvseStatus
from cockpit import aws
from cockpit.ddb import S, text, write_if
from cockpit.errors import Conflict

EVSE_PARTITION = "EVSE_STATE"


class SessionStore:
    def __init__(self, table: str) -> None:
        self.table = table

    @staticmethod
    def _key(session_id: str) -> dict[str, dict[str, str]]:
        return {"pk": S(f"SESSION#{session_id}"), "sk": S("SESSION")}

    def _item(self, s: ChargingSession) -> dict[str, Any]:
        return {
            **self._key(s.id),
            "owner": S(s.owner),
            "created_at": S(s.created_at.isoformat()),
            "state": S(s.status.value),
            "doc": S(s.model_dump_json()),
        }

    def get(self, session_id: str) -> ChargingSession | None:
        got = aws.client("dynamodb").get_item(
            TableName=self.table, Key=self._key(session_id), ConsistentRead=True
        )
        item = got.get("Item")
        return ChargingSession.model_validate_json(text(item, "doc")) if item else None

    def stuck(self) -> tuple[ChargingSession, ...]:
        """Sessions the reconciler may have to settle: still pending (a START without its answer), or
        failed or completed with their payment still only held. A filtered scan, run every few minutes."""
        pages = (
            aws.client("dynamodb")
            .get_paginator("scan")
            .paginate(
                TableName=self.table,
                FilterExpression="sk = :session AND (#state = :pending OR "
                "(#state IN (:failed, :completed) AND contains(doc, :held)))",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":session": S("SESSION"),
                    ":pending": S(SessionStatus.PENDING.value),
                    ":failed": S(SessionStatus.FAILED.value),
                    ":completed": S(SessionStatus.COMPLETED.value),
                    ":held": S('"requires_capture"'),
                },
                ConsistentRead=True,
            )
        )
        found = (ChargingSession.model_validate_json(text(i, "doc")) for page in pages for i in page["Items"])
        return tuple(s for s in found if s.status is SessionStatus.PENDING or _held(s))

    def create(self, session: ChargingSession, *also: dict[str, Any]) -> bool:
        """Create the session (and the other transaction items) once; False if it already exists."""
        put = {
            "Put": {
                "TableName": self.table,
                "Item": self._item(session),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        return self._transact([put, *also])

    def transition(self, session: ChargingSession, expected: SessionStatus, *also: dict[str, Any]) -> None:
        """Write the session's new state if it is still `expected` (409 otherwise)."""
        update = {
            "Update": {
                "TableName": self.table,
                "Key": self._key(session.id),
                "UpdateExpression": "SET #state = :state, doc = :doc",
                "ConditionExpression": "#state = :expected",
                "ExpressionAttributeNames": {"#state": "state"},
                "ExpressionAttributeValues": {
                    ":state": S(session.status.value),
                    ":doc": S(session.model_dump_json()),
                    ":expected": S(expected.value),
                },
            }
        }
        if not self._transact([update, *also]):
            raise Conflict(f"charging session {session.id} is no longer {expected.value.lower()}")

    def forget(self, session: ChargingSession, *also: dict[str, Any]) -> None:
        """Undo a session that never reached the CPO (with its operation), so nothing is half-written."""
        delete = {"Delete": {"TableName": self.table, "Key": self._key(session.id)}}
        self._transact([delete, *also])

    def _transact(self, items: list[dict[str, Any]]) -> bool:
        """All of `items` at once (one plain write when there is one); False when a condition failed."""
        if len(items) == 1:
            ((kind, request),) = items[0].items()
            call = {"Put": "put_item", "Update": "update_item", "Delete": "delete_item"}[kind]
            return write_if(getattr(aws.client("dynamodb"), call), **request).ok
        return write_if(aws.client("dynamodb").transact_write_items, TransactItems=items).ok


class DynamoEvseStates:
    """EvseStates for the simulated CPO: an item per occupied EVSE, in one partition."""

    def __init__(self, table: str) -> None:
        self.table = table

    def overrides(self) -> dict[str, EvseStatus]:
        found: dict[str, EvseStatus] = {}
        pages = (
            aws.client("dynamodb")
            .get_paginator("query")
            .paginate(
                TableName=self.table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": S(EVSE_PARTITION)},
                ProjectionExpression="sk",
            )
        )
        for page in pages:
            for item in page["Items"]:
                found[text(item, "sk")] = EvseStatus.CHARGING
        return found

    def occupy(self, evse_uid: str, session_id: str) -> bool:
        return write_if(
            aws.client("dynamodb").put_item,
            TableName=self.table,
            Item={"pk": S(EVSE_PARTITION), "sk": S(evse_uid), "session_id": S(session_id)},
            ConditionExpression="attribute_not_exists(pk)",
        ).ok

    def holder(self, evse_uid: str) -> str | None:
        got = aws.client("dynamodb").get_item(
            TableName=self.table, Key={"pk": S(EVSE_PARTITION), "sk": S(evse_uid)}, ConsistentRead=True
        )
        item = got.get("Item")
        return text(item, "session_id") if item else None

    def release(self, evse_uid: str, session_id: str) -> bool:
        return write_if(
            aws.client("dynamodb").delete_item,
            TableName=self.table,
            Key={"pk": S(EVSE_PARTITION), "sk": S(evse_uid)},
            ConditionExpression="session_id = :sid",
            ExpressionAttributeValues={":sid": S(session_id)},
        ).ok


def _held(session: ChargingSession) -> bool:
    return session.payment is not None and session.payment.status == "requires_capture"
