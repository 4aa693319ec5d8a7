"""The sessions and turns API (api.md), and the session as it is stored."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.agents import AGENTS
from assistant.memory import Memory
from cockpit.errors import Problem
from cockpit.vehicle import VehicleContext

Locale = Literal["zh-CN", "en-US"]
MAX_TEXT = 2000


class CreateSession(BaseModel):
    """Body of POST /v1/sessions."""

    model_config = ConfigDict(extra="forbid")

    locale: Locale = "en-US"
    vehicle: VehicleContext = Field(default_factory=VehicleContext)
    agent: str | None = Field(
        default=None,
        max_length=64,
        description="pin one agent (else routed per turn)",
        json_schema_extra={"enum": [*(a.id for a in AGENTS), None]},  # the service refuses any other
    )


class SessionCreated(BaseModel):
    session_id: str
    expires_at: datetime


class TurnRequest(BaseModel):
    """Body of POST /v1/sessions/{session_id}/turns."""

    text: str = Field(default="", max_length=MAX_TEXT)
    vehicle: VehicleContext | None = None
    confirm: str | None = Field(default=None, min_length=1, max_length=256)
    reject: str | None = Field(default=None, min_length=1, max_length=256)

    # The service's rule, stated for clients: words (not only blanks), a confirm, or a reject — not both.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [{"required": ["text"], "properties": {"text": {"pattern": "\\S"}}},
                      {"required": ["confirm"], "properties": {"confirm": {"type": "string"}}},
                      {"required": ["reject"], "properties": {"reject": {"type": "string"}}}],
            "not": {"required": ["confirm", "reject"],
                    "properties": {"confirm": {"type": "string"}, "reject": {"type": "string"}}},
        },
    )  # fmt: skip

    @field_validator("text")
    @classmethod
    def _speakable(cls, value: str) -> str:
        return value.strip()


class ToolCallView(BaseModel):
    name: str
    arguments: dict[str, Any]
    status: Literal["succeeded", "accepted", "confirmation_required", "failed"]
    result: dict[str, Any] | None = None
    error: Problem | None = None
    latency_ms: int | None = Field(
        default=None, ge=0, description="time the gateway spent on the call (absent: not attempted)"
    )


class PendingView(BaseModel):
    token: str
    tool: str
    summary: str
    expires_at: datetime


class Card(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["stations", "route", "payment", "reservation", "places", "text"]


class ModelInfo(BaseModel):
    """How the turn was answered: which provider, and whether the offline planner stood in."""

    provider: str
    fallback: bool = False
    reason: str | None = None
    steps: int = 0


class Handover(BaseModel):
    """The turn moved between car matters and travel: which agent handed over to which (the memory —
    places, stations, sessions, bookings — goes with it)."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)

    from_: str = Field(alias="from")
    to: str


class TurnResponse(BaseModel):
    turn_id: str
    reply: str
    tool_calls: list[ToolCallView] = Field(default_factory=list)
    pending_confirmation: PendingView | None = None
    cards: list[Card] = Field(default_factory=list)
    agent: str = Field(description="the agent that answered: 'Car Genius' or 'Travel Companion'")
    model: ModelInfo
    handover: Handover | None = None


class TurnRecord(BaseModel):
    """One turn as GET /v1/sessions/{id} returns it."""

    turn_id: str
    at: datetime
    text: str
    reply: str
    agent: str
    tool_calls: list[ToolCallView] = Field(default_factory=list)
    cards: list[Card] = Field(default_factory=list)


class SessionView(BaseModel):
    session_id: str
    locale: Locale
    vehicle: VehicleContext
    turns: list[TurnRecord]
    pending_confirmation: PendingView | None = None
    expires_at: datetime


class Pending(BaseModel):
    """The action waiting for the driver's yes: performed only with this token, by the driver."""

    token: str
    tool: str
    arguments: dict[str, Any]
    summary: str
    expires_at: datetime
    idempotency_key: str
    agent: str
    asked_turn: int = 0  # the turn that asked: only the very next turn may answer it
    source: str = "first_party"  # the tool's source: a partner's result never enters memory

    def view(self) -> PendingView:
        return PendingView(token=self.token, tool=self.tool, summary=self.summary, expires_at=self.expires_at)


class HistoryEntry(BaseModel):
    """What the model sees of an earlier turn: the driver's words, the reply, and a digest of results."""

    user: str
    reply: str
    facts: str = ""


MAX_LIFETIME = timedelta(hours=24)  # however active, a session ends a day after it began


class Session(BaseModel):
    """The session item: everything one turn reads, kept small (history trimmed, results digested)."""

    session_id: str
    owner: str
    locale: Locale
    vehicle: VehicleContext
    version: int = 0
    turns: int = 0
    agent: str | None = None
    pinned_agent: str | None = None
    history: list[HistoryEntry] = Field(default_factory=list)
    summary: str = ""
    memory: Memory = Field(default_factory=Memory)
    pending: Pending | None = None
    created_at: datetime
    expires_at: datetime

    @field_validator("memory", mode="wrap")
    @classmethod
    def _fresh_if_unreadable(cls, value: Any, handler: Any) -> Memory:
        """A session saved before memory was typed starts with an empty memory, not a 500."""
        try:
            return handler(value)  # type: ignore[no-any-return]
        except ValueError:
            return Memory()

    @property
    def ends_at(self) -> datetime:
        """The latest a session may live: its turn items expire then, never before the session does."""
        return self.created_at + MAX_LIFETIME
