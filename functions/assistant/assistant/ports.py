"""The model port: one conversation step in, the model's text or tool calls out, whatever the provider.

Messages are provider-neutral; each adapter (openai_compat.py for Qwen/DashScope and any OpenAI-compatible
endpoint, bedrock.py for the Converse API, offline.py for the embedded planner) maps them to its wire format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from assistant.memory import Memory
from cockpit.tools.model import ToolSpec
from cockpit.vehicle import VehicleContext

if TYPE_CHECKING:
    from assistant.models import Session, TurnRecord


@dataclass(frozen=True)
class ModelToolCall:
    id: str
    name: str
    arguments: dict[str, Any] | None  # None: the model sent arguments that are not a JSON object
    raw_arguments: str = ""


@dataclass(frozen=True)
class Message:
    role: Literal["user", "assistant", "tool"]
    content: str = ""
    tool_calls: tuple[ModelToolCall, ...] = ()
    tool_call_id: str = ""  # role "tool": the call this result answers
    tool_name: str = ""
    is_error: bool = False
    # role "tool": the result as structured data. The planner and adapters read this, never the text
    # (`content` is the delimited, length-bounded prompt text a hosted model reads).
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class ModelRequest:
    system: str
    messages: list[Message]
    tools: list[ToolSpec]
    # What the offline planner reads directly (hosted models get it in the system prompt).
    locale: str = "en-US"
    utterance: str = ""
    vehicle: VehicleContext = field(default_factory=VehicleContext)
    memory: Memory = field(default_factory=Memory)


@dataclass(frozen=True)
class ModelReply:
    text: str = ""
    tool_calls: tuple[ModelToolCall, ...] = ()


class ChatModel(Protocol):
    provider: str

    def complete(self, request: ModelRequest) -> ModelReply: ...


class Sessions(Protocol):
    """Conversations and their turns (store.SessionStore; an in-memory fake in tests)."""

    def create(self, session: Session) -> None: ...

    def load(self, session_id: str) -> Session | None: ...

    def save_turn(self, session: Session, expected_version: int, turn: TurnRecord) -> None:
        """Store the session and its new turn together if nobody saved a turn since `expected_version`
        (SessionBusy otherwise)."""
        ...

    def with_turns(self, session_id: str) -> tuple[Session | None, list[TurnRecord]]: ...

    def delete(self, session_id: str) -> None: ...
