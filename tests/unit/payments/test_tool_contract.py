"""The payments tools' arguments: the generated catalog and the function's models agree, case by case."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.tool_contract import Table, cases, check, covers

PAY = "pay_" + "0" * 24
YEN = {"amount": 8000, "currency": "JPY"}
M = {"merchant": "charging", "purpose": "x"}
TABLE: Table = {
    "payments_list_methods": ([{}], [{"vehicle": "vin-1"}]),
    "payments_create_payment": (
        [
            {"amount": {"amount": 4550, "currency": "CNY"}, "merchant": "charging", "purpose": "charging"},
            {
                "amount": {**YEN, "exponent": 0},
                "merchant": "partner_1",
                "purpose": "coffee",
                "reference": "r" * 128,
                "method_id": "pm_card_visa",
                "capture": "manual",
            },
            {"amount": {"amount": 100_000_000, "currency": "EUR"}, "merchant": "a", "purpose": "p" * 200},
        ],
        [
            {"merchant": "charging", "purpose": "x"},  # no amount
            {"amount": {"amount": 0, "currency": "CNY"}, "merchant": "charging", "purpose": "x"},
            {"amount": {"amount": 100_000_001, "currency": "CNY"}, "merchant": "charging", "purpose": "x"},
            {"amount": {"amount": 1.5, "currency": "CNY"}, "merchant": "charging", "purpose": "x"},
            {"amount": {"amount": 100, "currency": "cny"}, "merchant": "charging", "purpose": "x"},
            {
                "amount": {"amount": 100, "currency": "CNY", "exponent": 5},
                "merchant": "charging",
                "purpose": "x",
            },
            {
                "amount": {"amount": 100, "currency": "CNY", "cents": 1},
                "merchant": "charging",
                "purpose": "x",
            },
            {"amount": YEN, "merchant": "Charging", "purpose": "x"},
            {"amount": YEN, "merchant": "charging", "purpose": ""},
            {"amount": YEN, "merchant": "charging", "purpose": "p" * 201},
            {"amount": YEN, "merchant": "charging", "purpose": "x", "reference": ""},
            {"amount": YEN, "merchant": "charging", "purpose": "x", "method_id": "pm card"},
            {"amount": YEN, "merchant": "charging", "purpose": "x", "capture": "later"},
            {"amount": YEN, "merchant": "charging", "purpose": "x", "tip": 1},
        ],
    ),
    "payments_get_payment": (
        [{"payment_id": PAY}],
        [{}, {"payment_id": "pay_123"}, {"payment_id": PAY.upper()}, {"payment_id": PAY, "x": 1}],
    ),
    "payments_refund_payment": (
        [{"payment_id": PAY}, {"payment_id": PAY, "amount": {"amount": 1, "currency": "CNY"}}],
        [
            {"amount": {"amount": 1, "currency": "CNY"}},
            {"payment_id": PAY, "amount": {"amount": 0, "currency": "CNY"}},
            {"payment_id": PAY, "amount": {"currency": "CNY"}},
            {"payment_id": PAY, "amount": 100},
        ],
    ),
}


def test_every_tool_has_a_table() -> None:
    covers("payments", TABLE)


@pytest.mark.parametrize(("tool", "arguments", "good"), cases(TABLE))
def test_catalog_and_model_agree(tool: str, arguments: dict[str, Any], good: bool) -> None:
    check("payments", tool, arguments, good)
