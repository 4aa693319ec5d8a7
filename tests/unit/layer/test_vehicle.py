"""A turn's partial vehicle update: the fields it sets replace the session's, nested ones as models."""

from __future__ import annotations

from cockpit.vehicle import Point, ServiceNeeds, VehicleContext


def test_a_partial_update_with_nested_fields_stays_typed() -> None:
    car = VehicleContext(location=Point(lat=31.2304, lon=121.4737), battery_percent=23, range_km=80)
    update = VehicleContext.model_validate(
        {"location": {"lat": 30.259, "lon": 120.1388}, "service": {"due": ["brake_pads"], "fault_codes": []}}
    )
    merged = car.merged(update)
    assert isinstance(merged.location, Point) and merged.location.lat == 30.259
    assert isinstance(merged.service, ServiceNeeds) and merged.service.due == ("brake_pads",)
    assert merged.battery_percent == 23 and merged.range_km == 80  # what the update did not set stays


def test_an_update_that_sets_nothing_changes_nothing() -> None:
    car = VehicleContext(battery_percent=23, connectors=("CCS2",))
    assert car.merged(VehicleContext()) == car
    assert car.merged(VehicleContext(battery_percent=15)).battery_percent == 15
