"""Small DynamoDB helpers over the low-level client (no resource layer: it costs import time)."""

from __future__ import annotations

import time
from collections.abc import Callable
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


def now() -> float:
    return time.time()
