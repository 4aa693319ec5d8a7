"""The navigation table: each vehicle's current destination, for the car's head unit to pick up.

Setting a destination is one transaction: the vehicle's DESTINATION item and a REQUEST item for the
call's id (derived from the Idempotency-Key), the latter only if it does not exist yet. A duplicated
invocation of the same call therefore finds its own request and answers what it recorded, and can
never overwrite a destination set after it.
"""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

from cockpit import aws
from cockpit.ddb import N, S, cancelled_by_condition, text
from cockpit.errors import Conflict
from navigation.models import Destination

REQUEST_TTL_S = 24 * 3600
CONFLICT_ATTEMPTS = 3


class DestinationStore:
    def __init__(self, table: str) -> None:
        self.table = table

    @staticmethod
    def _key(sub: str, sk: str) -> dict[str, dict[str, str]]:
        return {"pk": S(f"VEHICLE#{sub}"), "sk": S(sk)}

    def current(self, sub: str) -> Destination | None:
        got = aws.client("dynamodb").get_item(
            TableName=self.table, Key=self._key(sub, "DESTINATION"), ConsistentRead=True
        )
        item = got.get("Item")
        return Destination.model_validate_json(text(item, "doc")) if item else None

    def set(self, sub: str, destination: Destination) -> Destination:
        """Record the destination once per request id; the recorded one when the request was seen."""
        doc = S(destination.model_dump_json())
        request: dict[str, Any] = {
            "Put": {
                "TableName": self.table,
                "Item": {
                    **self._key(sub, f"REQUEST#{destination.id}"),
                    "doc": doc,
                    "expires_at": N(int(time.time()) + REQUEST_TTL_S),
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        current = {"Put": {"TableName": self.table, "Item": {**self._key(sub, "DESTINATION"), "doc": doc}}}
        for _attempt in range(CONFLICT_ATTEMPTS):
            try:
                aws.client("dynamodb").transact_write_items(TransactItems=[request, current])
            except ClientError as exc:
                if cancelled_by_condition(exc):
                    return self._recorded(sub, destination.id) or destination
                if not _transaction_conflict(exc):
                    raise
                continue  # another transaction held the vehicle's destination at that moment: try again
            return destination
        raise Conflict("the car's destination is being changed by another call; try again")

    def _recorded(self, sub: str, request_id: str) -> Destination | None:
        got = aws.client("dynamodb").get_item(
            TableName=self.table, Key=self._key(sub, f"REQUEST#{request_id}"), ConsistentRead=True
        )
        item = got.get("Item")
        return Destination.model_validate_json(text(item, "doc")) if item else None


def _transaction_conflict(exc: ClientError) -> bool:
    """DynamoDB cancels a transaction that races another one on the same item (TransactionConflict)."""
    reasons = exc.response.get("CancellationReasons") or []
    return any(r.get("Code") == "TransactionConflict" for r in reasons)
