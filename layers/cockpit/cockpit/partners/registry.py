"""Read side of the contracts registry: the tools of every active contract version, from DynamoDB.

The contracts function (functions/contracts) owns the writes; this module owns the layout both sides
share. Each tool of an active contract version is its own item in the partition `CATALOG` (sort key:
the tool name), holding the compiled `PartnerTool` as JSON. Every change to that partition is followed
by a bump of one counter item (`CATALOG_REVISION`), so a reader asks one small item whether anything
changed and queries the catalog only when it did. Approving a version puts its tools; retiring deletes
them and bumps the counter before the DELETE answers, so the router never serves a retired tool.
Reads are strongly consistent; a parsed tool is reused while its item's revision is unchanged.
"""

from __future__ import annotations

from typing import Any

from cockpit import aws
from cockpit.ddb import S, number, text
from cockpit.partners.model import PartnerTool, PartnerToolSource

CATALOG_PK = "CATALOG"
REVISION_KEY = {"pk": S("CATALOG_REVISION"), "sk": S("CATALOG_REVISION")}


def catalog_key(tool_name: str) -> dict[str, dict[str, str]]:
    return {"pk": S(CATALOG_PK), "sk": S(tool_name)}


def catalog_item(tool: PartnerTool, revision: str) -> dict[str, Any]:
    """The item the registry writes for an active tool (revision: changes whenever the tool does)."""
    return {
        **catalog_key(tool.spec.name),
        "contract_id": S(tool.operation.contract_id),
        "version": {"N": str(tool.operation.version)},
        "rev": S(revision),
        "doc": S(tool.model_dump_json()),
    }


def bump_revision(table: str) -> None:
    """Tell readers the catalog changed (after the change is written)."""
    aws.client("dynamodb").update_item(
        TableName=table,
        Key=REVISION_KEY,
        UpdateExpression="ADD #rev :one",
        ExpressionAttributeNames={"#rev": "rev"},
        ExpressionAttributeValues={":one": {"N": "1"}},
    )


class DynamoPartnerTools:
    """`PartnerToolSource` over the contracts table (reads only: the router gets read permission)."""

    def __init__(self, table: str) -> None:
        self.table = table
        self._parsed: dict[str, tuple[str, PartnerTool]] = {}
        self._listing: tuple[float, list[PartnerTool]] | None = None

    def active_tools(self) -> list[PartnerTool]:
        """Every served tool: one GetItem when nothing changed since the last call, else a Query."""
        client = aws.client("dynamodb")
        found = client.get_item(TableName=self.table, Key=REVISION_KEY, ConsistentRead=True).get("Item")
        revision = number(found, "rev") if found else 0.0
        if self._listing is not None and self._listing[0] == revision:
            return list(self._listing[1])
        tools: list[PartnerTool] = []
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": S(CATALOG_PK)},
            "ConsistentRead": True,
        }
        while True:
            page = client.query(**request)
            tools.extend(self._tool(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        self._listing = (revision, tools)
        return list(tools)

    def get(self, name: str) -> PartnerTool | None:
        got = aws.client("dynamodb").get_item(
            TableName=self.table, Key=catalog_key(name), ConsistentRead=True
        )
        item = got.get("Item")
        return self._tool(item) if item else None

    def _tool(self, item: dict[str, Any]) -> PartnerTool:
        name, revision = text(item, "sk"), text(item, "rev")
        cached = self._parsed.get(name)
        if cached is not None and cached[0] == revision:
            return cached[1]
        tool = PartnerTool.model_validate_json(text(item, "doc"))
        self._parsed[name] = (revision, tool)
        return tool


def _is_a_source(tools: DynamoPartnerTools) -> PartnerToolSource:  # checked by mypy: the Protocol holds
    return tools
