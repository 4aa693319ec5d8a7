"""The providers the registry stores partner material with, behind ports (adapters: s3.py,
secretsmanager.py, store.py); tests use the same adapters over moto, or in-memory fakes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cockpit.partners.model import PartnerTool
    from registry.models import ContractRecord, VersionRecord


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


class Contracts(Protocol):
    """The contracts table (store.ContractStore): contracts and their versions, the namespace and tool-name
    claims, and the catalog the router reads. Writes that can race are conditional (Conflict or
    NamespaceUnavailable when another writer won)."""

    def get(self, contract_id: str) -> ContractRecord | None: ...

    def versions(self, contract_id: str) -> list[VersionRecord]: ...

    def version_tools(self, contract_id: str, version: int) -> list[PartnerTool]: ...

    def listing(self, partner_id: str | None) -> list[ContractRecord]: ...

    def claim(self, namespace: str) -> dict[str, str] | None: ...

    def overlapping_namespaces(self, namespace: str) -> list[str]:
        """Claimed namespaces whose tool names could collide with this one's."""
        ...

    def catalog_names(self, contract_id: str) -> list[str]: ...

    def put_tools(self, contract_id: str, version: int, tools: list[PartnerTool]) -> None: ...

    def delete_tools(self, contract_id: str, version: int, names: list[str]) -> None: ...

    def claim_tool_names(self, namespace: str, contract_id: str, names: list[str]) -> list[str]:
        """Claim each tool name for `namespace`; the names another contract holds."""
        ...

    def release_tool_names(self, contract_id: str, names: list[str]) -> None: ...

    def create(self, contract: ContractRecord, version: VersionRecord) -> None:
        """The contract, its first version, its listing entry and its namespace claim, all or nothing."""
        ...

    def update(
        self,
        contract: ContractRecord,
        expected_rev: int,
        *versions: VersionRecord,
        retire_claim: bool = False,
    ) -> None:
        """The contract (if still at `expected_rev`, else Conflict) and the given versions, together."""
        ...

    def forget(self, contract: ContractRecord, version: int, tool_names: list[str]) -> None:
        """Undo a registration that failed part-way."""
        ...

    def publish(self, contract_id: str, tools: list[PartnerTool]) -> None:
        """Make the catalog serve exactly `tools` for this contract."""
        ...

    def unpublish(self, contract_id: str) -> None: ...
