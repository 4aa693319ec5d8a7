"""Confirmation tokens: bound to the caller, the tool and the exact arguments; single use; 5 minutes.

Only a hash of the token is stored. Consuming is one conditional put that marks the token used by one
request (the caller's Idempotency-Key and arguments), so two requests cannot both use it; the same
request retried after a crash (its first attempt used the token, then died) finds its own mark and
goes on, without a new yes. A used token's item is kept as long as an idempotency record (24 h).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel

from cockpit import aws, ddb
from cockpit.ddb import Clock, N, S, number, text, write_if
from cockpit.errors import ConfirmationExpired, ConfirmationInvalid
from cockpit.tools.model import Caller

TTL_S = 300
USED_KEEP_S = 24 * 3600  # as long as the idempotency record of the request that used it


class Confirmation(BaseModel):
    token: str
    summary: str
    expires_at: datetime


class ConfirmationStore(Protocol):
    def issue(self, caller: Caller, tool: str, arguments_hash: str, summary: str) -> Confirmation: ...

    def consume(
        self, token: str, caller: Caller, tool: str, arguments_hash: str, request: str | None = None
    ) -> int:
        """Use the token up for `request` (None: a request that is never retried); its expiry (epoch
        seconds), for `restore`. The same `request` may consume its own token again."""
        ...

    def revoke(self, token: str) -> None:
        """Withdraw an issued token the driver did not take up (a no, a new request): refused afterwards."""
        ...

    def restore(
        self,
        token: str,
        caller: Caller,
        tool: str,
        arguments_hash: str,
        expires_at: int,
        request: str | None = None,
    ) -> None:
        """Put back a token whose action failed before anything happened, so the driver's yes still counts."""
        ...

    def forget(self, token: str, request: str | None) -> None:
        """Drop a token `request` used for an action that failed with an unknown outcome: the yes is
        spent, and not even that request's retry may use it (a crashed attempt never gets here)."""
        ...


def _pk(token: str) -> dict[str, dict[str, str]]:
    return {"pk": S("CONF#" + hashlib.sha256(token.encode()).hexdigest())}


class DynamoConfirmationStore:
    def __init__(self, table: str, clock: Clock | None = None) -> None:
        self.table = table
        self.clock = clock or (lambda: ddb.now())  # looked up per call, so tests can move time

    def issue(self, caller: Caller, tool: str, arguments_hash: str, summary: str) -> Confirmation:
        token = "ct_" + secrets.token_urlsafe(32)
        expires = int(self.clock()) + TTL_S
        aws.client("dynamodb").put_item(
            TableName=self.table,
            Item=self._item(token, caller, tool, arguments_hash, expires),
            ConditionExpression="attribute_not_exists(pk)",
        )
        return Confirmation(token=token, summary=summary, expires_at=datetime.fromtimestamp(expires, UTC))

    def revoke(self, token: str) -> None:
        aws.client("dynamodb").delete_item(TableName=self.table, Key=_pk(token))

    @staticmethod
    def _item(token: str, caller: Caller, tool: str, arguments_hash: str, expires_at: int) -> dict[str, Any]:
        return {
            **_pk(token),
            "sub": S(caller.sub),
            "tool": S(tool),
            "arguments_hash": S(arguments_hash),
            "expires_at": N(expires_at),
        }

    def restore(
        self,
        token: str,
        caller: Caller,
        tool: str,
        arguments_hash: str,
        expires_at: int,
        request: str | None = None,
    ) -> None:
        item = self._item(token, caller, tool, arguments_hash, expires_at)
        if request is None:  # consumed by a delete: put it back
            aws.client("dynamodb").put_item(
                TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
            return
        write_if(
            aws.client("dynamodb").put_item,
            TableName=self.table,
            Item=item,
            ConditionExpression="used_by = :req",
            ExpressionAttributeValues={":req": S(request)},
        )

    def forget(self, token: str, request: str | None) -> None:
        if request is None:  # consumed by a delete: nothing is left
            return
        write_if(
            aws.client("dynamodb").delete_item,
            TableName=self.table,
            Key=_pk(token),
            ConditionExpression="used_by = :req",
            ExpressionAttributeValues={":req": S(request)},
        )

    def consume(
        self, token: str, caller: Caller, tool: str, arguments_hash: str, request: str | None = None
    ) -> int:
        if request is None:
            return self._delete(token, caller, tool, arguments_hash)
        now = int(self.clock())
        seen = aws.client("dynamodb").get_item(TableName=self.table, Key=_pk(token), ConsistentRead=True)
        found = dict(seen.get("Item") or {})
        if not found:
            raise self._why(found, caller, tool, arguments_hash)
        token_expires = int(number(found, "token_expires") or number(found, "expires_at"))
        used = {
            **self._item(token, caller, tool, arguments_hash, now + USED_KEEP_S),
            "used_by": S(request),
            "token_expires": N(token_expires),
        }
        written = write_if(
            aws.client("dynamodb").put_item,
            TableName=self.table,
            Item=used,
            # Unused and unexpired, or already used by this very request (its retry after a crash);
            # and still the item read above, whose expiry is carried over.
            ConditionExpression="attribute_exists(pk) AND #sub = :sub AND tool = :tool "
            "AND arguments_hash = :h AND expires_at = :seen AND "
            "((attribute_not_exists(used_by) AND expires_at > :now) OR used_by = :req)",
            ExpressionAttributeNames={"#sub": "sub"},
            ExpressionAttributeValues={
                ":sub": S(caller.sub),
                ":tool": S(tool),
                ":h": S(arguments_hash),
                ":now": N(now),
                ":seen": found["expires_at"],
                ":req": used["used_by"],
            },
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        if not written:
            raise self._why(written.found, caller, tool, arguments_hash)
        return token_expires

    def _delete(self, token: str, caller: Caller, tool: str, arguments_hash: str) -> int:
        """Use up a token for a request that is never retried: one conditional delete."""
        written = write_if(
            aws.client("dynamodb").delete_item,
            TableName=self.table,
            Key=_pk(token),
            ConditionExpression="attribute_exists(pk) AND #sub = :sub AND tool = :tool "
            "AND arguments_hash = :h AND expires_at > :now AND attribute_not_exists(used_by)",
            ExpressionAttributeNames={"#sub": "sub"},
            ExpressionAttributeValues={
                ":sub": S(caller.sub),
                ":tool": S(tool),
                ":h": S(arguments_hash),
                ":now": N(int(self.clock())),
            },
            ReturnValues="ALL_OLD",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        if not written:
            raise self._why(written.found, caller, tool, arguments_hash)
        return int(number(written.response.get("Attributes") or {}, "expires_at"))

    def _why(
        self, old: dict[str, Any], caller: Caller, tool: str, arguments_hash: str
    ) -> ConfirmationInvalid:
        # Someone else's token is reported like an unknown one: its existence must not leak.
        if not old or text(old, "sub") != caller.sub or "used_by" in old:
            return ConfirmationInvalid("this confirmation token is unknown or was already used")
        if number(old, "expires_at") <= self.clock():
            return ConfirmationExpired("this confirmation token has expired; ask the driver again")
        if text(old, "tool") != tool:
            return ConfirmationInvalid("this confirmation token was issued for another tool")
        return ConfirmationInvalid("this confirmation token was issued for other arguments")
