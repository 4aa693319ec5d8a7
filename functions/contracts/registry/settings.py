from __future__ import annotations

from pydantic import Field

from cockpit.settings import EnvSettings


class ContractsSettings(EnvSettings):
    table: str = Field(alias="CONTRACTS_TABLE", min_length=1)
    bucket: str = Field(alias="CONTRACTS_BUCKET", min_length=1)
    # Secrets Manager names of partner secrets start with this (the function's IAM policy is scoped to it).
    secret_prefix: str = Field(alias="CONTRACTS_SECRET_PREFIX", min_length=1)
    max_operations: int = Field(default=100, ge=1, le=500, alias="CONTRACTS_MAX_OPERATIONS")
    max_document_bytes: int = Field(
        default=4 * 1024 * 1024, ge=1024, le=5 * 1024 * 1024, alias="CONTRACTS_MAX_DOCUMENT_BYTES"
    )
    dev_mode: bool = Field(default=False, alias="COCKPIT_DEV_MODE")
