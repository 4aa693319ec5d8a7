"""The booking tools' arguments: the generated catalog and the function's models agree, case by case."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.tool_contract import Table, cases, check, covers

SLOT = "PRK-P01.20261205T0900"
RES = "rs_" + "c" * 24
HERE = {"lat": 31.23, "lon": 121.47}
TABLE: Table = {
    "booking_search_availability": (
        [
            {"kind": "parking"},
            {
                "kind": "hotel",
                "location": HERE,
                "start": "2026-12-05T10:00:00+08:00",
                "end": "2026-12-06T10:00Z",
            },
            {"kind": "restaurant", "venue_id": "v-1.a", "party_size": 50, "radius_km": 50, "limit": 1},
            {"kind": "hotel", "nights": 30},
            {"kind": "service_appointment", "service_items": ["oil_change", "x" * 40]},
        ],
        [
            {},
            {"kind": "spa"},
            {"kind": "parking", "location": {"lat": 91, "lon": 0}},
            {"kind": "parking", "location": {"lat": 31.2}},
            {"kind": "parking", "location": {**HERE, "alt": 3}},
            {"kind": "parking", "venue_id": "no spaces"},
            {"kind": "parking", "start": "tomorrow"},
            {"kind": "parking", "start": "2026-12-05T10:00:00"},  # no offset
            {"kind": "parking", "end": "2026-12-05"},
            {"kind": "restaurant", "party_size": 0},
            {"kind": "restaurant", "party_size": 51},
            {"kind": "hotel", "nights": 0},
            {"kind": "hotel", "nights": 31},
            {"kind": "hotel", "nights": 2.5},
            {"kind": "service_appointment", "service_items": []},
            {"kind": "service_appointment", "service_items": [""]},
            {"kind": "service_appointment", "service_items": ["x" * 41]},
            {"kind": "service_appointment", "service_items": ["a"] * 11},
            {"kind": "parking", "radius_km": 0},
            {"kind": "parking", "radius_km": 50.5},
            {"kind": "parking", "limit": 0},
            {"kind": "parking", "limit": 51},
            {"kind": "parking", "nearby": True},
        ],
    ),
    "booking_create_reservation": (
        [
            {"slot_id": SLOT},
            {"slot_id": SLOT, "party_size": 4, "name": "Li", "payment_method_id": "pm_card_visa"},
            {"slot_id": SLOT, "nights": 7},
        ],
        [
            {},
            {"slot_id": "slot-1"},
            {"slot_id": SLOT, "party_size": 0},
            {"slot_id": SLOT, "nights": 31},
            {"slot_id": SLOT, "name": ""},
            {"slot_id": SLOT, "name": "n" * 81},
            {"slot_id": SLOT, "payment_method_id": "pm card"},
            {"slot_id": SLOT, "confirmed": True},
        ],
    ),
    "booking_cancel_reservation": (
        [{"reservation_id": RES}],
        [{}, {"reservation_id": "rs_1"}, {"reservation_id": RES.upper()}, {"reservation_id": RES, "fee": 0}],
    ),
    "booking_list_reservations": (
        [{}, {"include_past": True}],
        [{"include_past": "maybe"}, {"include_past": None}, {"limit": 3}],
    ),
}


def test_every_tool_has_a_table() -> None:
    covers("booking", TABLE)


@pytest.mark.parametrize(("tool", "arguments", "good"), cases(TABLE))
def test_catalog_and_model_agree(tool: str, arguments: dict[str, Any], good: bool) -> None:
    check("booking", tool, arguments, good)
