"""Asynchronous operations: created pending by a domain function, completed once, polled by the router."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from cockpit import aws, ddb
from cockpit.ddb import Clock, N, S, text, write_if
from cockpit.errors import Conflict, NotFound, Problem
from cockpit.tools.declaration import ToolDeclaration
from cockpit.tools.model import Effect, ToolInvocation, ToolResult

TTL_S = 7 * 24 * 3600
OPERATION_ID = re.compile(r"op_[a-f0-9]{24}")


class OperationStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Operation(BaseModel):
    id: str
    owner: str
    tool: str
    status: OperationStatus = OperationStatus.PENDING
    result: dict[str, Any] | None = None
    error: Problem | None = None
    created_at: datetime
    updated_at: datetime


class Operations(Protocol):
    """The operations table as domains use it (OperationStore; an in-memory fake in tests). The
    `*_request` methods build one write for the domain's own transaction (with its session or payment)."""

    def new(self, operation_id: str, owner: str, tool: str) -> Operation: ...

    def put_request(self, op: Operation) -> dict[str, Any]: ...

    def complete_request(
        self, op: Operation, *, result: dict[str, Any] | None = None, error: Problem | None = None
    ) -> dict[str, Any]: ...

    def delete_request(self, op: Operation) -> dict[str, Any]: ...

    def get(self, operation_id: str) -> Operation | None: ...

    def complete(
        self, op: Operation, *, result: dict[str, Any] | None = None, error: Problem | None = None
    ) -> None: ...


class OperationStore:
    def __init__(self, table: str, clock: Clock | None = None) -> None:
        self.table = table
        self.clock = clock or (lambda: ddb.now())  # looked up per call, so tests can move time

    def new(self, operation_id: str, owner: str, tool: str) -> Operation:
        at = datetime.fromtimestamp(self.clock(), UTC)
        return Operation(id=operation_id, owner=owner, tool=tool, created_at=at, updated_at=at)

    def put_request(self, op: Operation) -> dict[str, Any]:
        """A TransactWriteItems `Put` that creates the operation once."""
        return {
            "Put": {
                "TableName": self.table,
                "Item": {
                    "pk": S(op.id),
                    "owner": S(op.owner),
                    "state": S(op.status.value),
                    "doc": S(op.model_dump_json()),
                    "expires_at": N(int(self.clock()) + TTL_S),
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def complete_request(
        self, op: Operation, *, result: dict[str, Any] | None = None, error: Problem | None = None
    ) -> dict[str, Any]:
        """A TransactWriteItems `Update` that moves a pending operation to its outcome, once."""
        status = OperationStatus.FAILED if error is not None else OperationStatus.SUCCEEDED
        done = op.model_copy(
            update={
                "status": status,
                "result": result,
                "error": error,
                "updated_at": datetime.fromtimestamp(self.clock(), UTC),
            }
        )
        return {
            "Update": {
                "TableName": self.table,
                "Key": {"pk": S(op.id)},
                "UpdateExpression": "SET #state = :state, doc = :doc",
                "ConditionExpression": "#state = :pending",
                "ExpressionAttributeNames": {"#state": "state"},
                "ExpressionAttributeValues": {
                    ":state": S(status.value),
                    ":doc": S(done.model_dump_json()),
                    ":pending": S(OperationStatus.PENDING.value),
                },
            }
        }

    def delete_request(self, op: Operation) -> dict[str, Any]:
        """A TransactWriteItems `Delete` that takes back an operation that never started."""
        return {"Delete": {"TableName": self.table, "Key": {"pk": S(op.id)}}}

    def get(self, operation_id: str) -> Operation | None:
        got = aws.client("dynamodb").get_item(
            TableName=self.table, Key={"pk": S(operation_id)}, ConsistentRead=True
        )
        item = got.get("Item")
        return Operation.model_validate_json(text(item, "doc")) if item else None

    def complete(
        self, op: Operation, *, result: dict[str, Any] | None = None, error: Problem | None = None
    ) -> None:
        update = self.complete_request(op, result=result, error=error)["Update"]
        if not write_if(aws.client("dynamodb").update_item, **update):
            raise Conflict(f"operation {op.id} is already complete")


def view(op: Operation) -> dict[str, Any]:
    """An operation as callers see it (`GET /v1/operations/{id}` and `cockpit_get_operation` alike)."""
    return {
        "id": op.id,
        "tool": op.tool,
        "status": op.status.value,
        "poll": f"/v1/operations/{op.id}",
        "result": op.result,
        "error": op.error.model_dump(mode="json", exclude_none=True) if op.error is not None else None,
    }


def owned(store: Operations, operation_id: str, owner: str) -> Operation:
    """The caller's operation; someone else's (or a malformed id) does not exist for this caller."""
    op = store.get(operation_id) if OPERATION_ID.fullmatch(operation_id) else None
    if op is None or op.owner != owner:
        raise NotFound(f"operation {operation_id} not found")
    return op


class OperationsTarget:
    """`gateway:operations`: the read-only tool that follows an accepted call to its end (no domain
    function involved: the gateway reads the operation the domain wrote)."""

    def __init__(self, store: OperationStore) -> None:
        self.store = store

    def invoke(self, invocation: ToolInvocation) -> ToolResult:
        try:
            op = owned(self.store, str(invocation.arguments.get("operation_id", "")), invocation.caller.sub)
        except NotFound as missing:
            return ToolResult(status="failed", error=missing.problem())
        return ToolResult(status="succeeded", result={"operation": view(op)})


# `cockpit_get_operation`, declared once like every first-party tool (`make catalog` writes cockpit.json).


class FollowArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    operation_id: str = Field(
        pattern=r"^op_[a-f0-9]{24}$", description="the id in the accepted answer's operation"
    )


class OperationAnswer(BaseModel):
    """What `view` gives: the tool's result, as the function that completed the operation wrote it."""

    id: str
    tool: str
    status: OperationStatus
    poll: str
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


class FollowResult(BaseModel):
    operation: OperationAnswer


FOLLOW_OPERATION = ToolDeclaration(
    name="cockpit_get_operation",
    title="Follow an operation",
    description="Where a tool that answered 'accepted' stands now: pending, succeeded (with the tool's "
    "result, e.g. the started charging session) or failed (with the problem). Takes the operation id that "
    "answer carried; call again while pending.",
    arguments=FollowArgs,
    result=FollowResult,
    effect=Effect.READ,
    target="gateway:operations",
)
DECLARED: tuple[ToolDeclaration[Any, Any], ...] = (FOLLOW_OPERATION,)
