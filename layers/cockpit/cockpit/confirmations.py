"""Confirmation tokens: bound to the caller, the tool and the exact arguments; single use; 5 minutes.

Only a hash of the token is stored. Consuming is one conditional delete, so two uses of one token
cannot both succeed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError
from pydantic import BaseModel

from cockpit import aws, ddb
from cockpit.ddb import Clock, N, S, condition_failed, failed_item, number, text
from cockpit.errors import ConfirmationExpired, ConfirmationInvalid
from cockpit.tools.model import Caller

TTL_S = 300


class Confirmation(BaseModel):
    token: str
    summary: str
    expires_at: datetime


class ConfirmationStore(Protocol):
    def issue(self, caller: Caller, tool: str, arguments_hash: str, summary: str) -> Confirmation: ...

    def consume(self, token: str, caller: Caller, tool: str, arguments_hash: str) -> int:
        """Use the token up; its expiry (epoch seconds), for `restore`."""
        ...

    def revoke(self, token: str) -> None:
        """Withdraw an issued token the driver did not take up (a no, a new request): refused afterwards."""
        ...

    def restore(self, token: str, caller: Caller, tool: str, arguments_hash: str, expires_at: int) -> None:
        """Put back a token whose action failed before anything happened, so the driver's yes still counts."""
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
        self.restore(token, caller, tool, arguments_hash, expires)
        return Confirmation(token=token, summary=summary, expires_at=datetime.fromtimestamp(expires, UTC))

    def restore(self, token: str, caller: Caller, tool: str, arguments_hash: str, expires_at: int) -> None:
        aws.client("dynamodb").put_item(
            TableName=self.table,
            Item={
                **_pk(token),
                "sub": S(caller.sub),
                "tool": S(tool),
                "arguments_hash": S(arguments_hash),
                "expires_at": N(expires_at),
            },
            ConditionExpression="attribute_not_exists(pk)",
        )

    def revoke(self, token: str) -> None:
        aws.client("dynamodb").delete_item(TableName=self.table, Key=_pk(token))

    def consume(self, token: str, caller: Caller, tool: str, arguments_hash: str) -> int:
        try:
            old = aws.client("dynamodb").delete_item(
                TableName=self.table,
                Key=_pk(token),
                ConditionExpression="attribute_exists(pk) AND #sub = :sub AND tool = :tool "
                "AND arguments_hash = :h AND expires_at > :now",
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
        except ClientError as exc:
            if not condition_failed(exc):
                raise
            raise self._why(failed_item(exc), caller, tool, arguments_hash) from None
        return int(number(old.get("Attributes") or {}, "expires_at"))

    def _why(
        self, old: dict[str, Any], caller: Caller, tool: str, arguments_hash: str
    ) -> ConfirmationInvalid:
        # Someone else's token is reported like an unknown one: its existence must not leak.
        if not old or text(old, "sub") != caller.sub:
            return ConfirmationInvalid("this confirmation token is unknown or was already used")
        if number(old, "expires_at") <= self.clock():
            return ConfirmationExpired("this confirmation token has expired; ask the driver again")
        if text(old, "tool") != tool:
            return ConfirmationInvalid("this confirmation token was issued for another tool")
        return ConfirmationInvalid("this confirmation token was issued for other arguments")
