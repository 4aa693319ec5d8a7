"""Reading a driver's free text."""

from __future__ import annotations

import pytest

from navigation.ports import Category
from navigation.query import ParsedQuery, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("星巴克", ParsedQuery("星巴克", None, None)),
        ("parking near the Bund", ParsedQuery("", Category.PARKING, "Bund")),
        ("Parking  NEAR  The Bund", ParsedQuery("", Category.PARKING, "Bund")),
        ("外滩附近的停车场", ParsedQuery("", Category.PARKING, "外滩")),
        ("星巴克在外滩附近", ParsedQuery("星巴克", None, "外滩")),
        ("a coffee close to Marienplatz", ParsedQuery("", Category.CAFE, "Marienplatz")),
        ("Starbucks near People's Square", ParsedQuery("Starbucks", None, "People's Square")),
        ("hotel", ParsedQuery("", Category.HOTEL, None)),
        ("充电站", ParsedQuery("", Category.CHARGING, None)),
        ("Din Tai Fung", ParsedQuery("Din Tai Fung", None, None)),
    ],
)
def test_parse(text: str, expected: ParsedQuery) -> None:
    assert parse(text) == expected
