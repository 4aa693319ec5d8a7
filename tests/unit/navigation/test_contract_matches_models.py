"""The catalog's JSON Schemas and the navigation function's argument models describe the same arguments."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from cockpit.tools.catalog import first_party
from navigation.handler import tools


def test_only_set_destination_writes() -> None:
    effects = {t.name: t.effect.value for t in first_party() if t.target == "lambda:navigation"}
    assert effects.pop("navigation_set_destination") == "write"
    assert set(effects.values()) == {"read"}


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("navigation_search_places", {"query": ""}),
        ("navigation_search_places", {"query": "x" * 201}),
        ("navigation_search_places", {"query": " \t"}),
        (
            "navigation_plan_route",
            {"destination": {"lat": 1, "lon": 2}, "waypoints": [{"lat": 1, "lon": 2}] * 17},
        ),
        ("navigation_plan_route", {"destination": {"lat": 1, "lon": 2}, "depart_at": "2026-01-01T10:00:00"}),
        ("navigation_plan_route", {"destination": {"lat": 1, "lon": 2}, "avoid": ["bridges"]}),
        ("navigation_set_destination", {"destination": {"lat": 1, "lon": 2}, "place_id": "a b"}),
    ],
)
def test_schema_and_model_refuse_alike(name: str, arguments: dict[str, Any]) -> None:
    spec = first_party().get(name)
    assert spec is not None
    with pytest.raises(ValidationError):
        tools.arguments_of(name).model_validate(arguments)
    with pytest.raises(Exception, match="do not match its schema"):
        first_party().resolve(spec.name, None).check_arguments(arguments)
