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
    read_only = tool.effect is Effect.READ
    return {
        "readOnlyHint": read_only,
        "destructiveHint": tool.effect is Effect.PAYMENT,
        "idempotentHint": read_only,
        "openWorldHint": True,
    }


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
        if t.output_schema is not None:
            entry["outputSchema"] = t.output_schema
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
