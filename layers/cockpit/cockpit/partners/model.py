"""The compiled form of a partner operation: a ToolSpec plus the exact HTTP binding to call it.

The contracts function writes these (compiler + registry); the router reads them through a
`PartnerToolSource` and calls them with the partner target. This module is the boundary between the two.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from cockpit.errors import ProblemItem, ValidationFailed
from cockpit.money import Money
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


MAX_SPOKEN_ARGUMENTS = 6
MAX_SPOKEN_VALUE = 60
MAX_SPOKEN_CHARS = 320


def confirmation_question(
    title: str,
    namespace: str,
    arguments: dict[str, Any],
    locale: str | None,
    *,
    input_schema: dict[str, Any] | None = None,
    tool_name: str | None = None,
) -> str:
    """The question the driver hears before a partner write (the registry's dry run shows it too): every
    argument named by its schema title (or description), framed in the session's language. A question the
    driver could not judge by ear — too many arguments, a nested or long value, too long a sentence — is
    refused (422): no token is issued for something the driver was never told."""
    zh = locale == "zh-CN"
    name_of_tool = tool_name or f"{namespace} {title}"
    properties = (input_schema or {}).get("properties", {})
    args = sorted(arguments.items())
    if len(args) > MAX_SPOKEN_ARGUMENTS:
        raise _unspeakable(
            name_of_tool, f"{len(args)} arguments; a driver can judge at most {MAX_SPOKEN_ARGUMENTS}"
        )
    parts = []
    for name, value in args:
        schema = properties.get(name) if isinstance(properties, dict) else None
        label = _label(name, schema if isinstance(schema, dict) else {})
        spoken = _spoken(value, zh)
        if spoken is None:
            raise _unspeakable(
                name_of_tool, f"{label} ({name}) is not a short plain value", pointer=f"/arguments/{name}"
            )
        parts.append(f"{label}：{spoken}" if zh else f"{label}: {spoken}")
    shown = ("，" if zh else "; ").join(parts)
    if zh:
        text = f"确认让{namespace}执行“{title}”" + (f"（{shown}）" if shown else "") + "？"
    else:
        text = f"Confirm {title} with {namespace}" + (f" ({shown})" if shown else "") + "?"
    if len(text) > MAX_SPOKEN_CHARS:
        raise _unspeakable(
            name_of_tool, f"the question would be {len(text)} characters; at most {MAX_SPOKEN_CHARS}"
        )
    return text


def _label(name: str, schema: dict[str, Any]) -> str:
    for key in ("title", "description"):
        value = schema.get(key)
        if isinstance(value, str) and value.strip():
            first = value.strip().split("\n")[0].rstrip(".。")
            return first if len(first) <= 40 else first[:37] + "..."
    return name.replace("_", " ")


def _spoken(value: Any, zh: bool) -> str | None:
    """A value a driver can hear: a short string, a number, a yes/no or an amount of money (the API's
    {"amount", "currency"}, written as `Money.text` writes it everywhere); None for anything else."""
    money = Money.parsed(value)
    if money is not None:
        return money.text("zh-CN" if zh else "en-US")
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str) and len(value) <= MAX_SPOKEN_VALUE and value.isprintable():
        return value
    return None


def _unspeakable(tool_name: str, why: str, pointer: str = "/arguments") -> ValidationFailed:
    return ValidationFailed(
        f"{tool_name} cannot be put to the driver in one sentence ({why}); nothing was asked or done",
        errors=[ProblemItem(pointer=pointer, message=why)],
    )
