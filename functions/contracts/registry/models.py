"""The registry API's bodies (api.md "Partner contracts") and the records it stores."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from cockpit.jsontypes import JsonInt
from cockpit.tools.model import Effect

NAMESPACE = r"^[a-z][a-z0-9_]{0,30}[a-z0-9]$"
HEADER_NAME = r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class NoAuthIn(_In):
    type: Literal["none"] = "none"


class ApiKeyIn(_In):
    type: Literal["api_key"]
    in_: Literal["header", "query"] = Field(alias="in")
    name: str = Field(pattern=HEADER_NAME)
    value: SecretStr = Field(min_length=1, max_length=4096)


class OAuth2In(_In):
    type: Literal["oauth2_client_credentials"]
    token_url: str = Field(min_length=8, max_length=2048)
    client_id: str = Field(min_length=1, max_length=512)
    client_secret: SecretStr = Field(min_length=1, max_length=4096)
    scopes: list[Annotated[str, Field(min_length=1, max_length=256)]] = Field(default=[], max_length=50)


AuthIn = Annotated[NoAuthIn | ApiKeyIn | OAuth2In, Field(discriminator="type")]


class ContractRequest(_In):
    """POST /v1/contracts and PUT /v1/contracts/{contract_id}."""

    namespace: str = Field(pattern=NAMESPACE, description="tool name prefix: 2-32 of a-z, 0-9, _")
    display_name: str = Field(min_length=1, max_length=100)
    openapi: dict[str, Any] | str = Field(description="OpenAPI 3.0 or 3.1: a JSON object, or JSON/YAML text")
    base_url: str = Field(min_length=8, max_length=2048)
    auth: AuthIn = NoAuthIn()
    operations: list[Annotated[str, Field(min_length=1, max_length=300)]] | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="operationIds (or 'METHOD /path'); all if absent",
    )
    confirmation_required: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default=[], max_length=500
    )
    timeout_ms: JsonInt = Field(default=3000, ge=100, le=10_000)


class ApproveRequest(_In):
    """Body of POST /v1/contracts/{contract_id}/approve (optional)."""

    waive_confirmation: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default=[],
        max_length=100,
        description="write operations (operationId or 'METHOD /path') the driver need not confirm: the "
        "approving admin takes that on. Every other write asks the driver first.",
    )


class ContractStatus(StrEnum):
    ACTIVE = "active"
    PENDING_REVIEW = "pending_review"
    RETIRED = "retired"


class VersionStatus(StrEnum):
    ACTIVE = "active"
    PENDING_REVIEW = "pending_review"
    SUPERSEDED = "superseded"  # replaced by a newer version (approved or not)
    RETIRED = "retired"


class ToolSummary(BaseModel):
    name: str
    operation_id: str
    effect: Effect
    requires_confirmation: bool
    method: str
    path: str
    title: str
    # A dry run shows what the assistant will see, so the partner can check it before registering.
    description: str | None = None
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    confirmation_question: dict[str, str] | None = Field(
        default=None,
        description="dry run: the question the driver hears before this tool acts, by locale "
        "(arguments shown as <name>)",
    )


class SigningKey(BaseModel):
    """The HMAC key the gateway signs every request to the partner with; shown once, at registration."""

    algorithm: Literal["HMAC-SHA256"] = "HMAC-SHA256"
    key: str


class Registered(BaseModel):
    """201 of POST (with `signing`), 200 of PUT, and 200 of a dry run (`dry_run`: nothing stored)."""

    contract_id: str | None
    version: int | None
    status: ContractStatus | VersionStatus | Literal["dry_run"]
    tools: list[ToolSummary]
    warnings: list[str]
    signing: SigningKey | None = None
    dry_run: bool = False


class AuthView(BaseModel):
    """Outbound auth as the partner configured it, without its secret."""

    type: Literal["none", "api_key", "oauth2_client_credentials"]
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    in_: Literal["header", "query"] | None = Field(default=None, alias="in")
    name: str | None = None
    token_url: str | None = None
    client_id: str | None = None
    scopes: list[str] | None = None


class VersionRecord(BaseModel):
    contract_id: str
    version: int
    status: VersionStatus
    created_at: datetime
    approved_at: datetime | None = None
    base_url: str
    auth: AuthView
    auth_secret_arn: str | None = None
    timeout_ms: int
    document_key: str
    document_version_id: str | None = None
    document_sha256: str
    document_bytes: int
    tools: list[ToolSummary]
    warnings: list[str]


class ContractRecord(BaseModel):
    contract_id: str
    partner_id: str
    namespace: str
    display_name: str
    status: ContractStatus
    active_version: int | None
    latest_version: int
    pending_version: int | None
    created_at: datetime
    updated_at: datetime
    signing_secret_arn: str
    rev: int = 1


class VersionView(BaseModel):
    version: int
    status: VersionStatus
    created_at: datetime
    approved_at: datetime | None
    base_url: str
    auth: AuthView
    timeout_ms: int
    document: dict[str, Any]  # {"sha256", "bytes"}
    tools: list[ToolSummary]
    warnings: list[str]


class ContractSummary(BaseModel):
    contract_id: str
    partner_id: str
    namespace: str
    display_name: str
    status: ContractStatus
    active_version: int | None
    latest_version: int
    pending_version: int | None
    created_at: datetime
    updated_at: datetime


class ContractView(ContractSummary):
    versions: list[VersionView]


class ContractList(BaseModel):
    contracts: list[ContractSummary]


def request_schema() -> dict[str, Any]:
    """The JSON Schema of a contract request, as committed in contracts/contract-request.schema.json."""
    schema = ContractRequest.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://cockpit-gateway.dev/schemas/contract-request.json",
        "title": "Partner contract registration (POST /v1/contracts, PUT /v1/contracts/{contract_id})",
        **{k: v for k, v in schema.items() if k != "title"},
    }
