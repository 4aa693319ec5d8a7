"""The charging tools' arguments: the generated catalog and the function's models agree, case by case."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.tool_contract import Table, cases, check, covers

HERE = {"lat": 31.2304, "lon": 121.4737}
THERE = {"lat": 31.1979, "lon": 121.3363}
SESSION = "cs_" + "d" * 24
TABLE: Table = {
    "charging_find_stations": (
        [
            {"location": HERE},
            {
                "location": HERE,
                "radius_km": 100,
                "min_power_kw": 0,
                "connectors": ["GB_T_DC", "CCS2"],
                "available_only": True,
                "route": [HERE, THERE],
                "limit": 50,
            },
            {"location": HERE, "min_power_kw": 1000, "route": [HERE] * 200},
        ],
        [
            {},
            {"location": {"lat": -91, "lon": 0}},
            {"location": {**HERE, "alt": 1}},
            {"location": HERE, "radius_km": 0},
            {"location": HERE, "radius_km": 101},
            {"location": HERE, "min_power_kw": -1},
            {"location": HERE, "min_power_kw": 1001},
            {"location": HERE, "connectors": []},
            {"location": HERE, "connectors": ["TESLA"]},
            {"location": HERE, "connectors": ["CCS2", "CCS2"]},
            {"location": HERE, "connectors": ["GB_T_DC", "GB_T_AC", "CCS2", "TYPE2", "CHADEMO", "CCS2"]},
            {"location": HERE, "route": [HERE]},
            {"location": HERE, "route": [HERE] * 201},
            {"location": HERE, "limit": 51},
            {"location": HERE, "operator": "TELD"},
        ],
    ),
    "charging_get_station": (
        [{"station_id": "CN-SHA-0001"}],
        [{}, {"station_id": ""}, {"station_id": "CN SHA"}, {"station_id": "x" * 65}, {"station_id": 7}],
    ),
    "charging_start_session": (
        [
            {"station_id": "CN-SHA-0001"},
            {
                "station_id": "CN-SHA-0001",
                "evse_uid": "CN-SHA-0001-1",
                "connector_id": "1",
                "payment_method_id": "pm_card_visa",
            },
        ],
        [
            {"evse_uid": "CN-SHA-0001-1"},
            {"station_id": "CN-SHA-0001", "evse_uid": "a/b"},
            {"station_id": "CN-SHA-0001", "connector_id": ""},
            {"station_id": "CN-SHA-0001", "payment_method_id": "pm card"},
            {"station_id": "CN-SHA-0001", "max_kwh": 40},
        ],
    ),
    "charging_stop_session": (
        [{"session_id": SESSION}],
        [{}, {"session_id": "cs_1"}, {"session_id": SESSION.upper()}, {"session_id": SESSION, "now": True}],
    ),
    "charging_get_session": (
        [{"session_id": SESSION}],
        [{}, {"session_id": "op_" + "d" * 24}, {"session_id": None}],
    ),
}


def test_every_tool_has_a_table() -> None:
    covers("charging", TABLE)


@pytest.mark.parametrize(("tool", "arguments", "good"), cases(TABLE))
def test_catalog_and_model_agree(tool: str, arguments: dict[str, Any], good: bool) -> None:
    check("charging", tool, arguments, good)
