"""The catalog's JSON Schemas and the charging function's argument models describe the same arguments."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from charging.handler import tools
from charging.models import FindStationsArgs, SessionArgs, StartSessionArgs, StationArgs
from cockpit.tools.catalog import first_party

MODELS: dict[str, type[BaseModel]] = {
    "charging_find_stations": FindStationsArgs,
    "charging_get_station": StationArgs,
    "charging_start_session": StartSessionArgs,
    "charging_stop_session": SessionArgs,
    "charging_get_session": SessionArgs,
}


@pytest.mark.parametrize(("name", "model"), MODELS.items())
def test_fields_and_required_agree(name: str, model: type[BaseModel]) -> None:
    spec = first_party().get(name)
    assert spec is not None
    assert set(spec.input_schema["properties"]) == set(model.model_fields)
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    assert set(spec.input_schema.get("required", [])) == required


def test_the_function_serves_exactly_the_catalogs_charging_tools() -> None:
    catalog_names = {t.name for t in first_party() if t.target == "lambda:charging"}
    assert tools.names == catalog_names == set(MODELS)
