"""The router's response models (the tool-call models are shared: cockpit.dispatch.models)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from cockpit.errors import Problem
from cockpit.operations import OperationStatus


class Health(BaseModel):
    status: str
    version: str


class ToolListing(BaseModel):
    """The catalog in the requested format (native: `tools`; bedrock: `toolConfig`)."""

    model_config = {"extra": "allow"}

    tools: list[dict[str, Any]] | None = None
    toolConfig: dict[str, Any] | None = None


class OperationView(BaseModel):
    id: str
    tool: str
    status: OperationStatus
    poll: str
    result: dict[str, Any] | None = None
    error: Problem | None = None
