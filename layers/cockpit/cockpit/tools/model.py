"""What a tool is, and the internal events that carry a call to a domain function and back."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cockpit.errors import IdempotencyKeyRequired, Problem
from cockpit.vehicle import VehicleContext

TOOL_NAME_PATTERN = r"^[a-zA-Z0-9_-]{1,64}$"


class Role(StrEnum):
    VEHICLE = "vehicle"
    PARTNER = "partner"
    ADMIN = "admin"


class Effect(StrEnum):
    READ = "read"
    WRITE = "write"
    PAYMENT = "payment"


class Caller(BaseModel):
    """Who is calling, as the authorizer established it."""

    model_config = ConfigDict(frozen=True)

    sub: str = Field(min_length=1, max_length=256)
    role: Role


class ToolSpec(BaseModel):
    """A tool as the catalog holds it (first-party contracts live in cockpit/catalog/*.json)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=TOOL_NAME_PATTERN)
    title: str
    description: str = Field(min_length=1, max_length=1024)
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None = None
    effect: Effect
    requires_confirmation: bool = False
    # What a change does, for hosts (MCP annotations): `destructive` when it removes, ends or replaces
    # something (default: only payments), `idempotent` when repeating it with the same arguments changes
    # nothing more. Meaningless for reads.
    destructive: bool | None = None
    idempotent: bool = False
    source: str = "first_party"
    # lambda:<domain> (first-party function), partner:<contract_id> (a registered contract), or
    # gateway:<name> (answered by the gateway itself, e.g. gateway:operations)
    target: str = Field(pattern=r"^(lambda:[a-z][a-z0-9_-]*|partner:[A-Za-z0-9_-]+|gateway:[a-z]+)$")
    roles: tuple[Role, ...] = (Role.VEHICLE,)
    # Completes asynchronously: may answer `accepted` with an operation to follow (cockpit_get_operation,
    # GET /v1/operations/{id}); the dispatcher refuses that answer from any other tool.
    long_running: bool = False

    @property
    def needs_idempotency_key(self) -> bool:
        return self.effect is not Effect.READ


class ToolInvocation(BaseModel):
    """The one internal envelope of a function-to-function call (`cockpit.internal`): a tool call
    (already authenticated and validated by the caller) or an internal command (a payment hold, a
    reconcile run), answered by a ToolResult."""

    kind: Literal["tool_invocation", "command"] = "tool_invocation"
    invocation_id: str
    tool: str  # the tool, or the command (`payments.authorize`: a dot, so never a tool's name)
    arguments: dict[str, Any]
    caller: Caller
    session_id: str | None = None
    idempotency_key: str | None = None
    confirmed: bool = False
    locale: str = "en-US"
    # The car's context when the call comes from a session (the assistant), else None.
    vehicle: VehicleContext | None = None
    # "preview": describe what the call would do (the confirmation question), change nothing.
    phase: Literal["preview", "execute"] = "execute"

    def derived_id(self, prefix: str, *scope: str) -> str:
        """The id of what this call makes, derived from (caller, Idempotency-Key): a duplicated
        invocation of one call finds what the first made, never makes a second. `scope` keeps apart the
        ids one key makes for different things (payments: "tool" for a payment, "refund" for a refund);
        `prefix` only names the kind ("cs_" and "op_" of one call share their digest).

        No key, no id: a write without one is refused by the dispatcher before it gets here (400), and
        an internal caller that builds an invocation without a key is refused the same way
        (IdempotencyKeyRequired), never handed a random id that would make its retry a second write."""
        if not self.idempotency_key:
            raise IdempotencyKeyRequired(f"{self.tool} changes state: send an Idempotency-Key header")
        seed = json.dumps([*scope, self.caller.sub, self.idempotency_key])
        return prefix + hashlib.sha256(seed.encode()).hexdigest()[:24]


class OperationRef(BaseModel):
    id: str
    poll: str


class ToolResult(BaseModel):
    """What a function answers an envelope with: a result, an accepted operation, or a problem."""

    status: Literal["succeeded", "accepted", "failed"]
    result: dict[str, Any] | None = None
    operation_id: str | None = None
    error: Problem | None = None
    retry_after: int | None = None  # seconds, with an in-progress problem: its Retry-After, across the call
