"""The navigation tools' arguments: the generated catalog and the function's models agree, case by case."""

from __future__ import annotations

from typing import Any

import pytest

from cockpit.tools.catalog import first_party
from tests.support.tool_contract import Table, cases, check, covers

GO = {"lat": 31.2304, "lon": 121.4737}
STOP = {"lat": 31.1, "lon": 121.3}
TABLE: Table = {
    "navigation_search_places": (
        [
            {"query": "星巴克"},
            {"query": "parking near the Bund", "location": GO, "category": "parking", "open_now": True},
            {"query": "x" * 200, "along_route": True, "radius_km": 50, "limit": 50},
        ],
        [
            {},
            {"query": ""},
            {"query": " \t"},
            {"query": "x" * 201},
            {"query": "cafe", "category": "bar"},
            {"query": "cafe", "radius_km": 0},
            {"query": "cafe", "radius_km": 51},
            {"query": "cafe", "limit": 0},
            {"query": "cafe", "location": {"lat": 0, "lon": 181}},
            {"query": "cafe", "open_now": "maybe"},
            {"query": "cafe", "city": "Shanghai"},
        ],
    ),
    "navigation_plan_route": (
        [
            {"destination": GO},
            {
                "destination": GO,
                "origin": STOP,
                "waypoints": [STOP] * 16,
                "avoid": ["tolls", "highways", "ferries"],
                "depart_at": "2026-12-05T08:00:00+08:00",
            },
            {"destination": GO, "depart_at": "2026-12-05T00:00Z"},
        ],
        [
            {},
            {"destination": {"lat": 91, "lon": 0}},
            {"destination": GO, "waypoints": [STOP] * 17},
            {"destination": GO, "waypoints": [{"lat": 1}]},
            {"destination": GO, "avoid": ["bridges"]},
            {"destination": GO, "avoid": ["tolls", "tolls"]},
            {"destination": GO, "depart_at": "2026-01-01T10:00:00"},
            {"destination": GO, "depart_at": "now"},
            {"destination": GO, "mode": "walk"},
        ],
    ),
    "navigation_set_destination": (
        [
            {"destination": GO},
            {
                "destination": GO,
                "name": "外滩",
                "address": "中山东一路",
                "place_id": "amap:B0FFG.1",
                "waypoints": [STOP],
            },
        ],
        [
            {"name": "x"},
            {"destination": GO, "name": ""},
            {"destination": GO, "name": "  "},
            {"destination": GO, "address": "a" * 301},
            {"destination": GO, "place_id": "a b"},
            {"destination": GO, "waypoints": [STOP] * 17},
        ],
    ),
    "navigation_get_destination": ([{}], [{"vehicle": "vin-1"}]),
}


def test_every_tool_has_a_table() -> None:
    covers("navigation", TABLE)


@pytest.mark.parametrize(("tool", "arguments", "good"), cases(TABLE))
def test_catalog_and_model_agree(tool: str, arguments: dict[str, Any], good: bool) -> None:
    check("navigation", tool, arguments, good)


def test_only_set_destination_writes() -> None:
    effects = {t.name: t.effect.value for t in first_party() if t.target == "lambda:navigation"}
    assert effects.pop("navigation_set_destination") == "write"
    assert set(effects.values()) == {"read"}
