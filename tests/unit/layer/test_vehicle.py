"""A turn's partial vehicle update: each field alone merges into a validated context (issue 14's 500)."""

from __future__ import annotations

from typing import Any

import pytest

from cockpit.vehicle import Point, ServiceNeeds, VehicleContext

BASE = VehicleContext.model_validate(
    {"location": {"lat": 31.2304, "lon": 121.4737}, "battery_percent": 40, "connectors": ["CCS2"]}
)
UPDATES: dict[str, Any] = {
    "location": {"lat": 30.259, "lon": 120.1388},
    "heading_deg": 270,
    "battery_percent": 12.5,
    "range_km": 61,
    "battery_capacity_kwh": 75,
    "consumption_kwh_per_100km": 16.5,
    "connectors": ["GB_T_DC"],
    "service": {"due": ["brake_fluid"], "fault_codes": ["P0A80"], "mileage_km": 41000},
}


@pytest.mark.parametrize("field", sorted(UPDATES))
def test_each_field_of_a_partial_update_merges_as_a_model(field: str) -> None:
    update = VehicleContext.model_validate({field: UPDATES[field]})
    merged = BASE.merged(update)
    expected = VehicleContext.model_validate({field: UPDATES[field]}).model_dump()[field]
    assert merged.model_dump()[field] == expected
    for other in ("location", "battery_percent", "connectors"):  # what the update did not name stays
        if other != field:
            assert getattr(merged, other) == getattr(BASE, other)
    assert merged.location is None or isinstance(merged.location, Point)
    assert merged.service is None or isinstance(merged.service, ServiceNeeds)
    if merged.location is not None:
        assert isinstance(merged.location.lat, float)  # what prompt.py reads


def test_an_update_that_clears_a_field_and_one_that_names_nothing() -> None:
    assert BASE.merged(VehicleContext.model_validate({"location": None})).location is None
    assert BASE.merged(VehicleContext()) == BASE
