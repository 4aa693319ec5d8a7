"""The providers the registry stores partner material with, behind ports (adapters: s3.py,
secretsmanager.py); tests use the same adapters over moto."""

from __future__ import annotations

from typing import Protocol


class DocumentStore(Protocol):
    """Where the partners' OpenAPI documents are kept (they outgrow DynamoDB's 400 KB items)."""

    def put(self, key: str, body: bytes) -> str | None:
        """Store `body` under `key`; the object version's id (a versioned bucket), if any."""
        ...

    def delete(self, key: str, version_id: str | None) -> None: ...


class SecretStore(Protocol):
    """Where partner credentials and signing keys live; values never leave it through the API."""

    def create(self, name: str, value: dict[str, str], description: str) -> str:
        """Create the secret; its ARN."""
        ...

    def delete(self, arn: str, *, at_once: bool) -> None:
        """Delete it: at once (undoing a refused request) or after the recovery window."""
        ...
