"""Idempotency records: the same key with the same request answers the first result again.

One item per (caller, key). `begin` claims the key with a conditional put; a second request with the
key finds the claim: same fingerprint and completed → the stored answer; same fingerprint, still in
progress → 409 (retry later); another fingerprint → 409 conflict. A request that fails releases its
claim, so nothing is half-written and the client may retry.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol

from cockpit import aws, ddb
from cockpit.ddb import Clock, N, S, number, text, write_if
from cockpit.errors import IdempotencyConflict, IdempotencyInProgress

RECORD_TTL_S = 24 * 3600
LOCK_S = 60


def fingerprint(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyStore(Protocol):
    def begin(self, scope: str, key: str, fingerprint: str) -> str | None:
        """Claim the key; the stored answer (JSON text) if it was already answered."""
        ...

    def peek(self, scope: str, key: str, fingerprint: str) -> str | None:
        """The stored answer if the key was already answered for this request (409 for another request);
        409 in progress while an attempt holds it; None when it is free (or its attempt's lock ran out).
        Claims nothing."""
        ...

    def complete(self, scope: str, key: str, answer: str) -> None: ...

    def abandon(self, scope: str, key: str) -> None: ...


class DynamoIdempotencyStore:
    def __init__(self, table: str, clock: Clock | None = None, lock_s: int = LOCK_S) -> None:
        self.table = table
        self.lock_s = lock_s  # how long an attempt holds its key before a retry may take it over
        self.clock = clock or (lambda: ddb.now())  # looked up per call, so tests can move time

    @staticmethod
    def _pk(scope: str, key: str) -> dict[str, dict[str, str]]:
        # Hashed from an unambiguous encoding: ("a#b", "c") and ("a", "b#c") must not share a record,
        # and a long caller id plus a 255-character key must still fit DynamoDB's key size.
        return {"pk": S("IDEM#" + fingerprint([scope, key]))}

    def begin(self, scope: str, key: str, fingerprint: str) -> str | None:
        t = int(self.clock())
        item = {
            **self._pk(scope, key),
            "state": S("IN_PROGRESS"),
            "fingerprint": S(fingerprint),
            "locked_until": N(t + self.lock_s),
            "expires_at": N(t + RECORD_TTL_S),
        }
        written = write_if(
            aws.client("dynamodb").put_item,
            TableName=self.table,
            Item=item,
            ConditionExpression="attribute_not_exists(pk) OR expires_at < :now OR "
            "(#state = :progress AND locked_until < :now AND fingerprint = :fp)",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":now": N(t),
                ":progress": S("IN_PROGRESS"),
                ":fp": S(fingerprint),
            },
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        if written:
            return None
        old = written.found or self._read(scope, key)
        if text(old, "fingerprint") != fingerprint:
            raise IdempotencyConflict("this Idempotency-Key was used with a different request")
        if text(old, "state") == "COMPLETED":
            return text(old, "answer")
        self._busy(old, t)
        raise IdempotencyInProgress(  # its lock ran out between the write and this read: retry now
            "a request with this Idempotency-Key is still in progress", headers={"Retry-After": "1"}
        )

    def peek(self, scope: str, key: str, fingerprint: str) -> str | None:
        old = self._read(scope, key)
        if not old or number(old, "expires_at") < self.clock():
            return None
        if text(old, "fingerprint") != fingerprint:
            raise IdempotencyConflict("this Idempotency-Key was used with a different request")
        if text(old, "state") == "COMPLETED":
            return text(old, "answer")
        self._busy(old, int(self.clock()))
        return None

    @staticmethod
    def _busy(old: dict[str, Any], t: int) -> None:
        """409 in progress (with when to come back) while the attempt holding the key may still run."""
        locked_until = number(old, "locked_until")
        if locked_until >= t:
            raise IdempotencyInProgress(
                "a request with this Idempotency-Key is still in progress",
                headers={"Retry-After": str(max(1, int(locked_until - t)))},
            )

    def _read(self, scope: str, key: str) -> dict[str, Any]:
        got = aws.client("dynamodb").get_item(
            TableName=self.table, Key=self._pk(scope, key), ConsistentRead=True
        )
        return dict(got.get("Item") or {})

    def complete(self, scope: str, key: str, answer: str) -> None:
        aws.client("dynamodb").update_item(
            TableName=self.table,
            Key=self._pk(scope, key),
            UpdateExpression="SET #state = :done, answer = :answer REMOVE locked_until",
            ConditionExpression="#state = :progress",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":done": S("COMPLETED"),
                ":answer": S(answer),
                ":progress": S("IN_PROGRESS"),
            },
        )

    def abandon(self, scope: str, key: str) -> None:
        write_if(
            aws.client("dynamodb").delete_item,
            TableName=self.table,
            Key=self._pk(scope, key),
            ConditionExpression="#state = :progress",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":progress": S("IN_PROGRESS")},
        )
