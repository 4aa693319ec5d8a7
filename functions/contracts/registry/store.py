"""The contracts table. One table, these items (pk / sk):

CONTRACT#<id> / META              the contract (ContractRecord), changed only conditionally on `rev`
CONTRACT#<id> / V#<000001>        one version (VersionRecord)
CONTRACT#<id> / T#<000001>#<tool> one compiled tool of that version (PartnerTool): kept per version,
                                  so a pending version waits beside the active one
CONTRACTS     / <owner>#<id>      the listing (a partner's own, or all for an admin)
NAMESPACES    / <namespace>       the claim that keeps a namespace unique
TOOLNAMES     / <tool>            the claim that keeps a tool name to one namespace (`a` + `x_get` and
                                  `a_x` + `get` both make `a_x_get`: one conditional put decides)
CATALOG       / <tool>            the tools being served (cockpit.partners.registry reads these)
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from typing import Any

from cockpit import aws
from cockpit.ddb import S, Written, text, write_if
from cockpit.errors import Conflict, NamespaceUnavailable, ProblemItem
from cockpit.partners.model import PartnerTool
from cockpit.partners.registry import CATALOG_PK, bump_revision, catalog_item, catalog_key
from registry.models import ContractRecord, VersionRecord

LISTING_PK = "CONTRACTS"
NAMESPACES_PK = "NAMESPACES"
TOOLNAMES_PK = "TOOLNAMES"


def owner_key(partner_id: str) -> str:
    return hashlib.sha256(partner_id.encode()).hexdigest()[:16]


class ContractStore:
    def __init__(self, table: str) -> None:
        self.table = table

    # -- keys and items -----------------------------------------------------------------------------

    @staticmethod
    def _meta_key(contract_id: str) -> dict[str, Any]:
        return {"pk": S(f"CONTRACT#{contract_id}"), "sk": S("META")}

    @staticmethod
    def _version_key(contract_id: str, version: int) -> dict[str, Any]:
        return {"pk": S(f"CONTRACT#{contract_id}"), "sk": S(f"V#{version:06d}")}

    @staticmethod
    def _tool_key(contract_id: str, version: int, name: str) -> dict[str, Any]:
        return {"pk": S(f"CONTRACT#{contract_id}"), "sk": S(f"T#{version:06d}#{name}")}

    @staticmethod
    def _claim_key(namespace: str) -> dict[str, Any]:
        return {"pk": S(NAMESPACES_PK), "sk": S(namespace)}

    def _head_puts(self, contract: ContractRecord, expected_rev: int | None) -> list[dict[str, Any]]:
        doc = S(contract.model_dump_json())
        meta: dict[str, Any] = {
            "TableName": self.table,
            "Item": {**self._meta_key(contract.contract_id), "owner": S(contract.partner_id), "doc": doc},
        }
        if expected_rev is None:
            meta["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            meta["ConditionExpression"] = "#rev = :rev"
            meta["ExpressionAttributeNames"] = {"#rev": "rev"}
            meta["ExpressionAttributeValues"] = {":rev": {"N": str(expected_rev)}}
        meta["Item"]["rev"] = {"N": str(contract.rev)}
        listing = {
            "pk": S(LISTING_PK),
            "sk": S(f"{owner_key(contract.partner_id)}#{contract.contract_id}"),
            "doc": doc,
        }
        return [{"Put": meta}, {"Put": {"TableName": self.table, "Item": listing}}]

    def _version_put(self, version: VersionRecord) -> dict[str, Any]:
        item = {
            **self._version_key(version.contract_id, version.version),
            "doc": S(version.model_dump_json()),
        }
        return {"Put": {"TableName": self.table, "Item": item}}

    # -- reads ----------------------------------------------------------------------------------------

    def get(self, contract_id: str) -> ContractRecord | None:
        got = aws.client("dynamodb").get_item(
            TableName=self.table, Key=self._meta_key(contract_id), ConsistentRead=True
        )
        item = got.get("Item")
        return ContractRecord.model_validate_json(text(item, "doc")) if item else None

    def versions(self, contract_id: str) -> list[VersionRecord]:
        items = self._query(f"CONTRACT#{contract_id}", "V#")
        return [VersionRecord.model_validate_json(text(i, "doc")) for i in items]

    def version_tools(self, contract_id: str, version: int) -> list[PartnerTool]:
        items = self._query(f"CONTRACT#{contract_id}", f"T#{version:06d}#")
        return [PartnerTool.model_validate_json(text(i, "doc")) for i in items]

    def listing(self, partner_id: str | None) -> list[ContractRecord]:
        prefix = f"{owner_key(partner_id)}#" if partner_id is not None else None
        return [ContractRecord.model_validate_json(text(i, "doc")) for i in self._query(LISTING_PK, prefix)]

    def claim(self, namespace: str) -> dict[str, str] | None:
        got = aws.client("dynamodb").get_item(
            TableName=self.table, Key=self._claim_key(namespace), ConsistentRead=True
        )
        item = got.get("Item")
        if not item:
            return None
        return {
            "contract_id": text(item, "contract_id"),
            "owner": text(item, "owner"),
            "retired": text(item, "retired", "false"),
        }

    def overlapping_namespaces(self, namespace: str) -> list[str]:
        """Claimed namespaces whose tool names could collide with this one's (`a` and `a_b`: a tool
        `a_b_c` could come from either)."""
        parts = namespace.split("_")
        prefixes = ["_".join(parts[:i]) for i in range(1, len(parts))]
        found = [p for p in prefixes if self.claim(p) is not None]
        longer = self._query(NAMESPACES_PK, namespace + "_")
        return found + [text(i, "sk") for i in longer]

    def catalog_names(self, contract_id: str) -> list[str]:
        request: dict[str, Any] = {
            "FilterExpression": "contract_id = :cid",
            "ExpressionAttributeValues": {":pk": S(CATALOG_PK), ":cid": S(contract_id)},
            "ProjectionExpression": "sk",
        }
        return [text(i, "sk") for i in self._query(CATALOG_PK, None, request)]

    def _query(
        self, pk: str, prefix: str | None, extra: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": S(pk)},
            "ConsistentRead": True,
        }
        if extra:
            request.update(extra)
        if prefix is not None:
            request["KeyConditionExpression"] += " AND begins_with(sk, :prefix)"
            request["ExpressionAttributeValues"] = {
                **request["ExpressionAttributeValues"],
                ":prefix": S(prefix),
            }
        while True:
            page = aws.client("dynamodb").query(**request)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- writes ---------------------------------------------------------------------------------------

    def put_tools(self, contract_id: str, version: int, tools: list[PartnerTool]) -> None:
        """A version's compiled tools (not yet visible: nothing points at them until the version exists)."""
        self._batch(
            [
                {
                    "PutRequest": {
                        "Item": {
                            **self._tool_key(contract_id, version, t.spec.name),
                            "doc": S(t.model_dump_json()),
                        }
                    }
                }
                for t in tools
            ]
        )

    def delete_tools(self, contract_id: str, version: int, names: list[str]) -> None:
        self._batch([{"DeleteRequest": {"Key": self._tool_key(contract_id, version, n)}} for n in names])

    def claim_tool_names(self, namespace: str, contract_id: str, names: list[str]) -> list[str]:
        """Claim each tool name for `namespace`, one conditional put each, in sorted order (so two
        registrations contesting several names meet first on the same one and exactly one goes on).
        The overlap check reads then writes; this is what holds under a race: a name already held by
        another namespace → 409. Returns the names this call newly claimed (the undo releases those)."""
        client, claimed = aws.client("dynamodb"), list[str]()
        for name in sorted(set(names)):
            written = write_if(
                client.put_item,
                TableName=self.table,
                Item={
                    "pk": S(TOOLNAMES_PK),
                    "sk": S(name),
                    "namespace": S(namespace),
                    "contract_id": S(contract_id),
                },
                ConditionExpression="attribute_not_exists(pk) OR #ns = :ns",
                ExpressionAttributeNames={"#ns": "namespace"},
                ExpressionAttributeValues={":ns": S(namespace)},
                ReturnValues="ALL_OLD",
            )
            if not written:
                self.release_tool_names(contract_id, claimed)
                why = f"tool name {name!r} belongs to another namespace"
                raise NamespaceUnavailable(
                    f"namespace {namespace!r}: {why}",
                    errors=[ProblemItem(pointer="/namespace", message=why)],
                )
            if not written.response.get("Attributes"):
                claimed.append(name)
        return claimed

    def release_tool_names(self, contract_id: str, names: list[str]) -> None:
        client = aws.client("dynamodb")
        for name in names:
            write_if(
                client.delete_item,
                TableName=self.table,
                Key={"pk": S(TOOLNAMES_PK), "sk": S(name)},
                ConditionExpression="contract_id = :cid",
                ExpressionAttributeValues={":cid": S(contract_id)},
            )

    def create(self, contract: ContractRecord, version: VersionRecord) -> None:
        """The contract, its first version, its listing entry and its namespace claim, all or nothing.
        A namespace claimed meanwhile (or claimed by a live contract) → 409."""
        claim: dict[str, Any] = {
            "TableName": self.table,
            "Item": {
                **self._claim_key(contract.namespace),
                "contract_id": S(contract.contract_id),
                "owner": S(contract.partner_id),
                "retired": S("false"),
            },
            "ConditionExpression": "attribute_not_exists(pk) OR (#owner = :owner AND retired = :yes)",
            "ExpressionAttributeNames": {"#owner": "owner"},
            "ExpressionAttributeValues": {":owner": S(contract.partner_id), ":yes": S("true")},
        }
        if not self._transact([{"Put": claim}, *self._head_puts(contract, None), self._version_put(version)]):
            raise NamespaceUnavailable(f"namespace {contract.namespace!r} was just taken")

    def update(
        self,
        contract: ContractRecord,
        expected_rev: int,
        *versions: VersionRecord,
        retire_claim: bool = False,
    ) -> None:
        """The contract (if still at `expected_rev`, else 409) and the given versions, together."""
        items = [*self._head_puts(contract, expected_rev), *(self._version_put(v) for v in versions)]
        if retire_claim:
            items.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": self._claim_key(contract.namespace),
                        "UpdateExpression": "SET retired = :yes",
                        "ExpressionAttributeValues": {":yes": S("true")},
                    }
                }
            )
        if not self._transact(items):
            raise Conflict(f"contract {contract.contract_id} changed meanwhile; try again")

    def forget(self, contract: ContractRecord, version: int, tool_names: list[str]) -> None:
        """Undo a registration that failed part-way (the claim only if it is this contract's)."""
        self.delete_tools(contract.contract_id, version, tool_names)
        client = aws.client("dynamodb")
        for key in (
            self._meta_key(contract.contract_id),
            self._version_key(contract.contract_id, version),
            {"pk": S(LISTING_PK), "sk": S(f"{owner_key(contract.partner_id)}#{contract.contract_id}")},
        ):
            client.delete_item(TableName=self.table, Key=key)
        write_if(
            client.delete_item,
            TableName=self.table,
            Key=self._claim_key(contract.namespace),
            ConditionExpression="contract_id = :cid",
            ExpressionAttributeValues={":cid": S(contract.contract_id)},
        )

    def publish(self, contract_id: str, tools: list[PartnerTool]) -> None:
        """Make the catalog serve exactly `tools` for this contract (new ones put, stale ones deleted)."""
        names = {t.spec.name for t in tools}
        stale = [n for n in self.catalog_names(contract_id) if n not in names]
        puts = [
            {"PutRequest": {"Item": catalog_item(t, f"{t.operation.contract_id}:{t.operation.version}")}}
            for t in tools
        ]
        self._batch(puts + [{"DeleteRequest": {"Key": catalog_key(n)}} for n in stale])
        bump_revision(self.table)

    def unpublish(self, contract_id: str) -> None:
        self._batch([{"DeleteRequest": {"Key": catalog_key(n)}} for n in self.catalog_names(contract_id)])
        bump_revision(self.table)

    def _transact(self, items: list[dict[str, Any]]) -> Written:
        return write_if(aws.client("dynamodb").transact_write_items, TransactItems=items)

    def _batch(self, requests: list[dict[str, Any]]) -> None:
        client = aws.client("dynamodb")
        for start in range(0, len(requests), 25):
            pending = {self.table: requests[start : start + 25]}
            for attempt in range(8):
                left = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not left:
                    break
                pending = left
                time.sleep(min(0.05 * 2**attempt, 1.0))
            else:
                raise RuntimeError("DynamoDB kept items unprocessed; the batch was not completed")
