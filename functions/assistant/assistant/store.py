"""Sessions in DynamoDB: one item per session (pk S#<id>, sk SESSION) that a turn reads once, and one
item per turn (sk TURN#000001) that only GET reads. A turn is saved with one TransactWriteItems call:
the session item, conditional on the version the turn read, and the new turn item. Every item carries
`expires_at` (TTL): the session's moves forward with each turn (expiry on inactivity, capped at a day);
a turn's is the session's last possible moment, so no turn disappears before its session."""

from __future__ import annotations

from typing import Any

from assistant.models import Session, TurnRecord
from cockpit import aws
from cockpit.ddb import N, S, text, write_if
from cockpit.errors import SessionBusy

SESSION_SK = "SESSION"
MAX_TURN_BYTES = 350_000  # below DynamoDB's 400 KB item limit, with room for keys and attributes


def _pk(session_id: str) -> dict[str, str]:
    return S("S#" + session_id)


class SessionStore:
    def __init__(self, table: str) -> None:
        self.table = table

    def create(self, session: Session) -> None:
        aws.client("dynamodb").put_item(
            TableName=self.table,
            Item=self._session_item(session),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def load(self, session_id: str) -> Session | None:
        got = aws.client("dynamodb").get_item(
            TableName=self.table, Key={"pk": _pk(session_id), "sk": S(SESSION_SK)}, ConsistentRead=True
        )
        item = got.get("Item")
        return Session.model_validate_json(text(item, "data")) if item else None

    def save_turn(self, session: Session, expected_version: int, turn: TurnRecord) -> None:
        """The session (only if nobody saved since `expected_version`) and the turn, all or nothing."""
        turn_item = {
            "pk": _pk(session.session_id),
            "sk": S(f"TURN#{session.turns:06d}"),
            "data": S(_bounded(turn)),
            "expires_at": N(int(session.ends_at.timestamp())),
        }
        if not write_if(
            aws.client("dynamodb").transact_write_items,
            TransactItems=[
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": self._session_item(session),
                        "ConditionExpression": "version = :expected",
                        "ExpressionAttributeValues": {":expected": N(expected_version)},
                    }
                },
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": turn_item,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ],
        ):
            raise SessionBusy("another turn changed this session first; send this turn again")

    def with_turns(self, session_id: str) -> tuple[Session | None, list[TurnRecord]]:
        session, turns = None, []
        for item in self._items(session_id, with_data=True):
            if text(item, "sk") == SESSION_SK:
                session = Session.model_validate_json(text(item, "data"))
            else:
                turns.append(TurnRecord.model_validate_json(text(item, "data")))
        return session, turns

    def delete(self, session_id: str) -> None:
        keys = [{"pk": item["pk"], "sk": item["sk"]} for item in self._items(session_id, with_data=False)]
        client = aws.client("dynamodb")
        for start in range(0, len(keys), 25):
            requests: dict[str, Any] = {
                self.table: [{"DeleteRequest": {"Key": k}} for k in keys[start : start + 25]]
            }
            for _ in range(5):
                left = client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
                if not left:
                    break
                requests = left

    def _items(self, session_id: str, *, with_data: bool) -> list[dict[str, Any]]:
        client = aws.client("dynamodb")
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": _pk(session_id)},
            "ConsistentRead": True,
        }
        if not with_data:
            query["ProjectionExpression"] = "pk, sk"
        items: list[dict[str, Any]] = []
        while True:
            page = client.query(**query)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return items
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    @staticmethod
    def _session_item(session: Session) -> dict[str, Any]:
        return {
            "pk": _pk(session.session_id),
            "sk": S(SESSION_SK),
            "owner": S(session.owner),
            "version": N(session.version),
            "data": S(session.model_dump_json()),
            "expires_at": N(int(session.expires_at.timestamp())),
        }


def _bounded(turn: TurnRecord) -> str:
    """The turn as stored; results dropped (the reply and cards kept) if it would not fit an item."""
    data = turn.model_dump_json()
    if len(data.encode()) <= MAX_TURN_BYTES:
        return data
    slim = turn.model_copy(
        update={"tool_calls": [c.model_copy(update={"result": None}) for c in turn.tool_calls], "cards": []}
    )
    return slim.model_dump_json()
