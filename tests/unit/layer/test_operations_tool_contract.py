"""cockpit_get_operation's arguments: the generated catalog and the declared model agree, case by case."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.tool_contract import Table, cases, check, covers

TABLE: Table = {
    "cockpit_get_operation": (
        [{"operation_id": "op_" + "a1" * 12}],
        [
            {},
            {"operation_id": "op_" + "A1" * 12},
            {"operation_id": "op_123"},
            {"operation_id": "pay_" + "0" * 24},
            {"operation_id": 7},
            {"operation_id": "op_" + "a1" * 12, "wait": True},
        ],
    ),
}


def test_every_tool_has_a_table() -> None:
    covers("cockpit", TABLE)


@pytest.mark.parametrize(("tool", "arguments", "good"), cases(TABLE))
def test_catalog_and_model_agree(tool: str, arguments: dict[str, Any], good: bool) -> None:
    check("cockpit", tool, arguments, good)
