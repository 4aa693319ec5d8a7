"""Small DynamoDB helpers over the low-level client (no resource layer: it costs import time)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

Clock = Callable[[], float]


def S(value: str) -> dict[str, str]:
    return {"S": value}


def N(value: int | float) -> dict[str, str]:
    return {"N": str(value)}


def text(item: dict[str, Any], name: str, default: str = "") -> str:
    value = item.get(name)
    return str(value["S"]) if value else default


def number(item: dict[str, Any], name: str, default: float = 0) -> float:
    value = item.get(name)
    return float(value["N"]) if value else default


def condition_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def failed_item(exc: ClientError) -> dict[str, Any]:
    """The item a failed condition found (ReturnValuesOnConditionCheckFailure=ALL_OLD), or {}."""
    item: Any = exc.response.get("Item")
    return item if isinstance(item, dict) else {}


def cancelled_by_condition(exc: ClientError) -> bool:
    """A TransactWriteItems cancelled because one of its conditions failed."""
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    reasons = exc.response.get("CancellationReasons") or []
    return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons) or not reasons


@dataclass(frozen=True)
class Written:
    """What one conditional write did. True when every condition held: `response` is the write's answer
    (its `Attributes` when asked for ReturnValues). False when a condition failed: nothing was written,
    and `found` is the item the failed condition found (when the write asked for
    ReturnValuesOnConditionCheckFailure=ALL_OLD and there was one; else {})."""

    ok: bool
    response: dict[str, Any] = field(default_factory=dict)
    found: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.ok


def write_if(write: Callable[..., Any], /, **request: Any) -> Written:
    """One conditional write: `write` is the client's put_item, update_item, delete_item or
    transact_write_items, `request` its arguments. A failed condition (ConditionalCheckFailedException,
    or a transaction cancelled by one) is an answer, not an error: the race the condition closes was
    lost, and the caller decides what that means (a duplicate found, a state moved on, a token used).
    Every other error is raised.

        if not write_if(client.put_item, TableName=t, Item=item, ConditionExpression=NEW):
            ...  # someone wrote it first
    """
    try:
        response = write(**request)
    except ClientError as exc:
        if condition_failed(exc) or cancelled_by_condition(exc):
            return Written(ok=False, found=failed_item(exc))
        raise
    return Written(ok=True, response=dict(response or {}))


def now() -> float:
    return time.time()
