"""The answer to a tool call, as api.md fixes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from cockpit.tools.model import OperationRef


class ConfirmationRequest(BaseModel):
    token: str
    summary: str
    expires_at: datetime


class InvokeRequest(BaseModel):
    """Body of POST /v1/tools/{name}/invoke."""

    model_config = {"extra": "forbid"}

    arguments: dict[str, Any] = Field(default_factory=dict)
    session_id: str | None = Field(default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")
    confirmation_token: str | None = Field(default=None, min_length=1, max_length=256)


class InvokeResponse(BaseModel):
    tool: str
    status: Literal["succeeded", "confirmation_required", "accepted"]
    result: dict[str, Any] | None = None
    confirmation: ConfirmationRequest | None = None
    operation: OperationRef | None = None
