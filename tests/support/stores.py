"""In-memory fakes of the dispatcher's ports (idempotency, confirmations, targets), for unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cockpit.confirmations import Confirmation
from cockpit.errors import (
    ConfirmationExpired,
    ConfirmationInvalid,
    IdempotencyConflict,
    IdempotencyInProgress,
)
from cockpit.tools.model import Caller, ToolInvocation, ToolResult


@dataclass
class FakeIdempotency:
    records: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def begin(self, scope: str, key: str, fingerprint: str) -> str | None:
        found = self.records.get((scope, key))
        if found is None:
            self.records[(scope, key)] = {"fingerprint": fingerprint, "state": "IN_PROGRESS"}
            return None
        if found["fingerprint"] != fingerprint:
            raise IdempotencyConflict("different request")
        if found["state"] == "STALE":  # a crashed attempt's claim whose lock ran out: taken over
            found["state"] = "IN_PROGRESS"
            return None
        if found["state"] != "COMPLETED":
            raise IdempotencyInProgress("in progress")
        return found["answer"]

    def peek(self, scope: str, key: str, fingerprint: str) -> str | None:
        found = self.records.get((scope, key))
        if found is None:
            return None
        if found["fingerprint"] != fingerprint:
            raise IdempotencyConflict("different request")
        if found["state"] == "IN_PROGRESS":
            raise IdempotencyInProgress("in progress")
        return found.get("answer") if found["state"] == "COMPLETED" else None

    def complete(self, scope: str, key: str, answer: str) -> None:
        self.records[(scope, key)].update(state="COMPLETED", answer=answer)

    def abandon(self, scope: str, key: str) -> None:
        self.records.pop((scope, key), None)

    def crash(self, scope: str, key: str) -> None:
        """The attempt holding the key died (SIGKILL) and its lock ran out."""
        assert self.records[(scope, key)]["state"] == "IN_PROGRESS"
        self.records[(scope, key)]["state"] = "STALE"


@dataclass
class FakeConfirmations:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    issued: dict[str, tuple[str, str, str, datetime]] = field(default_factory=dict)
    count: int = 0

    def issue(self, caller: Caller, tool: str, arguments_hash: str, summary: str) -> Confirmation:
        self.count += 1
        token = f"ct_{self.count}"  # never reused, even after a revoke
        expires = self.now + timedelta(minutes=5)
        self.issued[token] = (caller.sub, tool, arguments_hash, expires)
        return Confirmation(token=token, summary=summary, expires_at=expires)

    used: dict[str, str] = field(default_factory=dict)  # token → the request that used it

    def restore(
        self,
        token: str,
        caller: Caller,
        tool: str,
        arguments_hash: str,
        expires_at: int,
        request: str | None = None,
    ) -> None:
        self.used.pop(token, None)
        self.issued[token] = (caller.sub, tool, arguments_hash, datetime.fromtimestamp(expires_at, UTC))

    def revoke(self, token: str) -> None:
        self.issued.pop(token, None)
        self.used.pop(token, None)

    def forget(self, token: str, request: str | None) -> None:
        if request is not None and self.used.get(token) == request:
            self.used.pop(token)
            self.issued.pop(token)

    def consume(
        self, token: str, caller: Caller, tool: str, arguments_hash: str, request: str | None = None
    ) -> int:
        found = self.issued.get(token)
        if found is None or found[0] != caller.sub:
            raise ConfirmationInvalid("unknown")
        if found[1:3] != (tool, arguments_hash):
            raise ConfirmationInvalid("other arguments")
        if token in self.used:
            if request is None or self.used[token] != request:
                raise ConfirmationInvalid("already used")
            return int(found[3].timestamp())
        if found[3] <= self.now:
            raise ConfirmationExpired("expired")
        if request is None:
            del self.issued[token]
        else:
            self.used[token] = request
        return int(found[3].timestamp())


@dataclass
class FakeTarget:
    """Answers scripted ToolResults and records every invocation."""

    answers: list[ToolResult] = field(default_factory=list)
    seen: list[ToolInvocation] = field(default_factory=list)
    default: ToolResult = field(
        default_factory=lambda: ToolResult(status="succeeded", result={"stations": []})
    )

    def invoke(self, invocation: ToolInvocation) -> ToolResult:
        self.seen.append(invocation)
        return self.answers.pop(0) if self.answers else self.default

    def resolve(self, _target: str) -> FakeTarget:
        return self


class InMemorySessions:
    """The assistant's `SessionStore` over a dict of JSON texts, with its version check."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}
        self.turns: dict[str, list[str]] = {}

    def create(self, session: Any) -> None:
        self.items[session.session_id] = session.model_dump_json()
        self.turns[session.session_id] = []

    def load(self, session_id: str) -> Any:
        from assistant.models import Session

        found = self.items.get(session_id)
        return Session.model_validate_json(found) if found else None

    def save_turn(self, session: Any, expected_version: int, turn: Any) -> None:
        from cockpit.errors import SessionBusy

        stored = self.load(session.session_id)
        if stored is None or stored.version != expected_version:  # as the store's condition on version
            raise SessionBusy("raced")
        self.items[session.session_id] = session.model_dump_json()
        self.turns[session.session_id].append(turn.model_dump_json())

    def with_turns(self, session_id: str) -> tuple[Any, list[Any]]:
        from assistant.models import TurnRecord

        return self.load(session_id), [
            TurnRecord.model_validate_json(t) for t in self.turns.get(session_id, [])
        ]

    def delete(self, session_id: str) -> None:
        self.items.pop(session_id, None)
        self.turns.pop(session_id, None)
