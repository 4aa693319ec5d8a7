"""The compiled form of a partner operation: a ToolSpec plus the exact HTTP binding to call it.

The contracts function writes these (compiler + registry); the router reads them through a
`PartnerToolSource` and calls them with the partner target. This module is the boundary between the two.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from cockpit.tools.model import ToolSpec

HttpMethod = Literal["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ParameterBinding(_Frozen):
    """One OpenAPI parameter, fed from the tool argument `argument`."""

    name: str  # as the document names it (path template variable, query key, header name)
    location: Literal["path", "query", "header"]
    argument: str  # the property of the tool's input schema that carries it
    required: bool = False
    # OpenAPI 3 serialization: path simple|label|matrix, query form|spaceDelimited|pipeDelimited|deepObject
    style: str = "simple"
    explode: bool = False
    allow_reserved: bool = False


class BodyBinding(_Frozen):
    """The request body: one argument holds it whole, or its properties are spread over the arguments."""

    media_type: Literal["application/json", "application/x-www-form-urlencoded"]
    required: bool = False
    argument: str | None = None  # the whole body is this argument ...
    properties: tuple[str, ...] = ()  # ... or these top-level arguments are the body's properties


class NoAuth(_Frozen):
    type: Literal["none"] = "none"


class ApiKeyAuth(_Frozen):
    type: Literal["api_key"] = "api_key"
    location: Literal["header", "query"]
    name: str
    secret_arn: str  # Secrets Manager: {"value": "..."}


class OAuth2ClientCredentials(_Frozen):
    type: Literal["oauth2_client_credentials"] = "oauth2_client_credentials"
    token_url: str
    client_id: str
    scopes: tuple[str, ...] = ()
    secret_arn: str  # Secrets Manager: {"client_secret": "..."}


OutboundAuth = Annotated[NoAuth | ApiKeyAuth | OAuth2ClientCredentials, Field(discriminator="type")]


class PartnerOperation(_Frozen):
    """How to call one operation of one active contract version."""

    contract_id: str
    version: int = Field(ge=1)
    partner_id: str  # the registering partner's `sub`
    namespace: str
    operation_id: str
    method: HttpMethod
    base_url: str  # checked at registration; checked again (SSRF guard) at call time
    path: str  # the document's path template, e.g. "/spots/{spotId}"
    parameters: tuple[ParameterBinding, ...] = ()
    body: BodyBinding | None = None
    response_media_type: str | None = "application/json"
    # Set when the 2xx response is not a JSON object (an array, say): the tool's result is then
    # {result_property: <the partner's JSON>}, as the tool's output schema says.
    result_property: str | None = None
    auth: OutboundAuth = NoAuth()
    signing_secret_arn: str  # Secrets Manager: {"key": "..."} — the HMAC key the partner verifies with
    timeout_ms: int = Field(default=3000, ge=100, le=10_000)


class PartnerTool(_Frozen):
    """A partner tool as the catalog serves it: spec.source == f"partner:{operation.partner_id}"."""

    spec: ToolSpec
    operation: PartnerOperation


class PartnerToolSource(Protocol):
    """Read side of the registry: the tools of every active contract version, read fresh (a retired
    contract's tools leave the catalog at once)."""

    def active_tools(self) -> list[PartnerTool]: ...

    def get(self, name: str) -> PartnerTool | None: ...


def confirmation_question(title: str, namespace: str, arguments: dict[str, Any], locale: str | None) -> str:
    """The question the driver hears before a partner write (the registry's dry run shows it too)."""
    shown = ", ".join(f"{k}={_short(v)}" for k, v in sorted(arguments.items())[:8])
    if locale == "zh-CN":
        return f"确认执行 {title}（{namespace}）：{shown}？"
    return f"Confirm {title} with {namespace}: {shown}?"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
