"""The catalog's JSON Schemas and the booking function's argument models describe the same arguments."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from booking.handler import tools
from booking.models import SLOT_ID, CreateArgs, ListArgs, ReservationArgs, SearchArgs
from cockpit.tools.catalog import first_party

MODELS: dict[str, type[BaseModel]] = {
    "booking_search_availability": SearchArgs,
    "booking_create_reservation": CreateArgs,
    "booking_cancel_reservation": ReservationArgs,
    "booking_list_reservations": ListArgs,
}


@pytest.mark.parametrize(("name", "model"), MODELS.items())
def test_fields_and_required_agree(name: str, model: type[BaseModel]) -> None:
    spec = first_party().get(name)
    assert spec is not None
    assert set(spec.input_schema["properties"]) == set(model.model_fields)
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    assert set(spec.input_schema.get("required", [])) == required


def test_the_function_serves_exactly_the_catalogs_booking_tools() -> None:
    catalog_names = {t.name for t in first_party() if t.target == "lambda:booking"}
    assert tools.names == catalog_names == set(MODELS)


def test_kinds_and_limits_agree() -> None:
    spec = first_party().get("booking_search_availability")
    assert spec is not None
    props = spec.input_schema["properties"]
    assert props["kind"]["enum"] == ["parking", "restaurant", "service_appointment", "hotel"]
    size = SearchArgs.model_fields["party_size"].metadata
    assert (props["party_size"]["minimum"], props["party_size"]["maximum"]) == (1, 50)
    assert {getattr(m, "ge", None) for m in size} | {getattr(m, "le", None) for m in size} >= {1, 50}
    create = first_party().get("booking_create_reservation")
    assert create is not None and create.effect == "write" and create.requires_confirmation
    assert create.input_schema["properties"]["slot_id"]["pattern"] == SLOT_ID
