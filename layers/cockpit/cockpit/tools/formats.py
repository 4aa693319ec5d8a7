"""The catalog in the four wire formats the assistants speak: native, OpenAI, Bedrock Converse, MCP."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from cockpit.tools.model import Effect, ToolSpec


class Format(StrEnum):
    NATIVE = "native"
    OPENAI = "openai"
    BEDROCK = "bedrock"
    MCP = "mcp"


def native(tools: Sequence[ToolSpec]) -> dict[str, Any]:
    return {
        "tools": [
            {
                "name": t.name,
                "title": t.title,
                "description": t.description,
                "input_schema": t.input_schema,
                "output_schema": t.output_schema,
                "effect": t.effect.value,
                "requires_confirmation": t.requires_confirmation,
                "source": t.source,
            }
            for t in tools
        ]
    }


def openai(tools: Sequence[ToolSpec]) -> dict[str, Any]:
    return {
        "tools": [
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.input_schema},
            }
            for t in tools
        ]
    }


def bedrock(tools: Sequence[ToolSpec]) -> dict[str, Any]:
    specs = [
        {"toolSpec": {"name": t.name, "description": t.description, "inputSchema": {"json": t.input_schema}}}
        for t in tools
    ]
    return {"toolConfig": {"tools": specs}}


def mcp_annotations(tool: ToolSpec) -> dict[str, bool]:
    """MCP's hints, all from the contract: reads change nothing; a change is destructive when the contract
    says so (default: payments, which move money), idempotent when it says so; partner tools reach a world
    outside the gateway's own domains."""
    read_only = tool.effect is Effect.READ
    destructive = tool.destructive if tool.destructive is not None else tool.effect is Effect.PAYMENT
    return {
        "readOnlyHint": read_only,
        "destructiveHint": not read_only and destructive,
        "idempotentHint": read_only or tool.idempotent,
        "openWorldHint": tool.source != "first_party",
    }


# What a tool that asks the driver answers first on MCP's handshake revisions (no server-to-client
# requests there): the question, structured; its token travels only in the result's `_meta`.
CONFIRMATION_RESULT: dict[str, Any] = {
    "type": "object",
    "required": ["confirmation_required"],
    "properties": {
        "confirmation_required": {
            "type": "object",
            "required": ["summary", "expires_at"],
            "properties": {"summary": {"type": "string"}, "expires_at": {"type": "string"}},
        }
    },
}


FOLLOW_TOOL = "cockpit_get_operation"  # the tool that follows an accepted operation to its end

# What a long-running tool's accepted answer adds beside its result on MCP: the operation, and the tool
# call that follows it (a generic host learns it from the schema, not only from the text).
ACCEPTED_OPERATION: dict[str, Any] = {
    "type": "object",
    "description": f"Present when the work was accepted and continues: follow it with {FOLLOW_TOOL}.",
    "required": ["id", "status", "poll", "follow"],
    "properties": {
        "id": {"type": "string"},
        "status": {"type": "string", "enum": ["pending"]},
        "poll": {"type": "string", "description": "the REST path that answers the same"},
        "follow": {
            "type": "object",
            "required": ["tool", "arguments"],
            "properties": {
                "tool": {"type": "string", "enum": [FOLLOW_TOOL]},
                "arguments": {
                    "type": "object",
                    "required": ["operation_id"],
                    "properties": {"operation_id": {"type": "string"}},
                },
            },
        },
    },
}


def mcp_output_schema(tool: ToolSpec) -> dict[str, Any] | None:
    """The tool's result schema (a long-running tool's with the operation it may carry); for a tool
    that may ask the driver first, its result or the question."""
    result = tool.output_schema
    if result is None:
        return None
    if tool.long_running:
        result = {**result, "properties": {**result.get("properties", {}), "operation": ACCEPTED_OPERATION}}
    if not tool.requires_confirmation:
        return result
    return {"type": "object", "anyOf": [result, CONFIRMATION_RESULT]}


def mcp(tools: Sequence[ToolSpec]) -> dict[str, Any]:
    out = []
    for t in tools:
        entry: dict[str, Any] = {
            "name": t.name,
            "title": t.title,
            "description": t.description,
            "inputSchema": t.input_schema,
            "annotations": mcp_annotations(t),
        }
        output_schema = mcp_output_schema(t)
        if output_schema is not None:
            entry["outputSchema"] = output_schema
        out.append(entry)
    return {"tools": out}


RENDERERS: dict[Format, Callable[[Sequence[ToolSpec]], dict[str, Any]]] = {
    Format.NATIVE: native,
    Format.OPENAI: openai,
    Format.BEDROCK: bedrock,
    Format.MCP: mcp,
}


def render(fmt: Format, tools: Sequence[ToolSpec]) -> dict[str, Any]:
    return RENDERERS[fmt](tools)
