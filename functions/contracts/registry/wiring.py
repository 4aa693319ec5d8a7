"""Builds the registry service from settings, once per container."""

from __future__ import annotations

from cockpit.settings import get_settings, per_container
from registry.s3 import S3Documents
from registry.secretsmanager import SecretsManagerSecrets
from registry.service import ContractsService, Limits
from registry.settings import ContractsSettings
from registry.store import ContractStore


@per_container
def service() -> ContractsService:
    s = get_settings(ContractsSettings)
    limits = Limits(
        dev_mode=s.dev_mode,
        max_operations=s.max_operations,
        max_document_bytes=s.max_document_bytes,
        secret_prefix=s.secret_prefix,
    )
    return ContractsService(ContractStore(s.table), S3Documents(s.bucket), SecretsManagerSecrets(), limits)


def max_body_bytes() -> int:
    """Contract requests carry whole OpenAPI documents: the body may hold one at its limit, plus fields."""
    return get_settings(ContractsSettings).max_document_bytes + 64 * 1024
