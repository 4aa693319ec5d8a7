"""The catalog's JSON Schemas and the booking function's argument models describe the same arguments."""

from __future__ import annotations

from booking.models import SLOT_ID, SearchArgs
from cockpit.tools.catalog import first_party


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


def test_nights_agree() -> None:
    from booking.models import MAX_NIGHTS, CreateArgs

    for tool, model in (
        ("booking_search_availability", SearchArgs),
        ("booking_create_reservation", CreateArgs),
    ):
        spec = first_party().get(tool)
        assert spec is not None
        nights = spec.input_schema["properties"]["nights"]
        assert (nights["type"], nights["minimum"], nights["maximum"], nights["default"]) == (
            "integer",
            1,
            30,
            1,
        )
        limits = model.model_fields["nights"].metadata
        assert {getattr(m, "ge", None) for m in limits} | {getattr(m, "le", None) for m in limits} >= {
            1,
            MAX_NIGHTS,
        }
        assert MAX_NIGHTS == 30
