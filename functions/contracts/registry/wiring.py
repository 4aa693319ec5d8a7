"""Builds the registry service from settings, once per container; tests pass their parts to `build`."""

from __future__ import annotations

from cockpit.partners import netguard
from cockpit.settings import get_settings, once_per_container
from registry.ports import Contracts, DocumentStore, SecretStore
from registry.s3 import S3Documents
from registry.secretsmanager import SecretsManagerSecrets
from registry.service import ContractsService, Limits
from registry.settings import ContractsSettings
from registry.store import ContractStore


@once_per_container
def service() -> ContractsService:
    return build(get_settings(ContractsSettings))


def build(
    s: ContractsSettings,
    *,
    store: Contracts | None = None,
    documents: DocumentStore | None = None,
    secrets: SecretStore | None = None,
    resolve: netguard.Resolver | None = None,
) -> ContractsService:
    """The registry the settings describe; each override replaces the part it names (tests)."""
    limits = Limits(
        dev_mode=s.dev_mode,
        max_operations=s.max_operations,
        max_document_bytes=s.max_document_bytes,
        secret_prefix=s.secret_prefix,
    )
    return ContractsService(
        store or ContractStore(s.table),
        documents or S3Documents(s.bucket),
        secrets or SecretsManagerSecrets(),
        limits,
        resolve=resolve or netguard.system_resolver,
    )


def max_body_bytes() -> int:
    """Contract requests carry whole OpenAPI documents: the body may hold one at its limit, plus fields."""
    return get_settings(ContractsSettings).max_document_bytes + 64 * 1024
