"""A car's reported needs become bookable service items; what matches nothing is reported, not dropped."""

from __future__ import annotations

import pytest

from booking import needs


@pytest.mark.parametrize(
    ("name", "item"),
    [("oil_change", "oil_change"), ("Engine oil", "oil_change"), ("brake-pads", "brakes"),
     ("Tires", "tyres"), ("12V battery", "battery_12v"), ("A/C", "air_conditioning"),
     ("OTA", "software_update")],
)  # fmt: skip
def test_due_items_and_synonyms(name: str, item: str) -> None:
    assert needs.item(name) == item


def test_fault_codes() -> None:
    assert needs.from_fault_code("P0301") == ["diagnostics"]
    assert needs.from_fault_code("p0a80") == ["diagnostics", "hv_battery"]  # hybrid/EV battery range
    assert needs.from_fault_code("C0035") == ["diagnostics", "brakes"]
    assert needs.from_fault_code("U0100") == ["diagnostics"]
    assert needs.from_fault_code("X1234") is None
    assert needs.from_fault_code("P03") is None


def test_resolve_merges_without_duplicates_and_keeps_the_unknown() -> None:
    items, unknown = needs.resolve(["oil", "oil_change", "flux capacitor"], ["P0A80", "C0035", "nonsense"])
    assert items == ["oil_change", "diagnostics", "hv_battery", "brakes"]
    assert unknown == ["flux capacitor", "nonsense"]
