"""The catalog: names, schemas, the four formats, and argument validation with pointers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError

from cockpit.errors import ValidationFailed
from cockpit.tools.catalog import first_party
from cockpit.tools.formats import Format, render
from cockpit.tools.model import TOOL_NAME_PATTERN, Effect, Role

PEOPLES_SQUARE = {"lat": 31.2304, "lon": 121.4737}
TOOLS = list(first_party())


def test_first_party_catalog_has_the_charging_tools() -> None:
    names = {t.name for t in TOOLS}
    assert {
        "charging_find_stations",
        "charging_get_station",
        "charging_start_session",
        "charging_stop_session",
        "charging_get_session",
    } <= names


@pytest.mark.parametrize("tool", TOOLS, ids=lambda t: t.name)
def test_every_tool_is_well_formed(tool: Any) -> None:
    assert re.fullmatch(TOOL_NAME_PATTERN, tool.name)
    Draft202012Validator.check_schema(tool.input_schema)
    assert tool.input_schema["type"] == "object"
    assert tool.input_schema.get("additionalProperties") is False
    if tool.output_schema is not None:
        Draft202012Validator.check_schema(tool.output_schema)
        assert tool.output_schema["type"] == "object"
    assert 0 < len(tool.description) <= 1024


def test_openai_format() -> None:
    doc = render(Format.OPENAI, TOOLS)
    for entry in doc["tools"]:
        assert entry["type"] == "function"
        fn = entry["function"]
        assert set(fn) == {"name", "description", "parameters"}
        assert re.fullmatch(r"^[a-zA-Z0-9_-]{1,64}$", fn["name"])
        assert fn["parameters"]["type"] == "object"


def test_bedrock_format() -> None:
    doc = render(Format.BEDROCK, TOOLS)
    for entry in doc["toolConfig"]["tools"]:
        spec = entry["toolSpec"]
        assert set(spec) == {"name", "description", "inputSchema"}
        assert spec["inputSchema"]["json"]["type"] == "object"
        assert re.fullmatch(r"^[a-zA-Z0-9_-]{1,64}$", spec["name"])


def test_mcp_format_and_annotations() -> None:
    doc = {t["name"]: t for t in render(Format.MCP, TOOLS)["tools"]}
    find = doc["charging_find_stations"]
    assert find["inputSchema"]["type"] == "object" and find["outputSchema"]["type"] == "object"
    assert find["annotations"] == {
        "readOnlyHint": True,
        "destructiveHint": False,
        "idempotentHint": True,
        "openWorldHint": False,  # the gateway's own domains; partner tools are the open world
    }


# (destructive, idempotent) of every first-party change, as a host should read it
CHANGES = {
    "charging_start_session": (False, False),
    "charging_stop_session": (True, True),  # ends the session; stopping it again changes nothing
    "booking_create_reservation": (False, False),
    "booking_cancel_reservation": (True, True),  # removes the reservation; a second cancel changes nothing
    "navigation_set_destination": (True, True),  # replaces the destination
    "payments_create_payment": (True, False),  # moves money
    "payments_refund_payment": (True, False),
}


def test_mcp_annotations_tell_the_truth_for_every_first_party_tool() -> None:
    for tool in TOOLS:
        hints = render(Format.MCP, [tool])["tools"][0]["annotations"]
        if tool.effect is Effect.READ:
            assert tool.name not in CHANGES
            assert hints == {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": False,
            }, tool.name
            continue
        destructive, idempotent = CHANGES[tool.name]
        assert hints == {
            "readOnlyHint": False,
            "destructiveHint": destructive,
            "idempotentHint": idempotent,
            "openWorldHint": False,
        }, tool.name
    assert set(CHANGES) == {t.name for t in TOOLS if t.effect is not Effect.READ}


def test_partner_tools_are_the_open_world_and_http_semantics_decide_the_rest() -> None:
    base = first_party().get("charging_find_stations")
    assert base is not None
    partner = base.model_copy(
        update={"effect": Effect.WRITE, "source": "partner:acme", "destructive": True, "idempotent": True}
    )
    hints = render(Format.MCP, [partner])["tools"][0]["annotations"]
    assert hints == {
        "readOnlyHint": False,
        "destructiveHint": True,
        "idempotentHint": True,
        "openWorldHint": True,
    }


def test_a_tool_that_asks_the_driver_declares_its_question_in_the_output_schema() -> None:
    doc = {t["name"]: t for t in render(Format.MCP, TOOLS)["tools"]}
    pay = doc["payments_create_payment"]["outputSchema"]
    assert pay["type"] == "object" and len(pay["anyOf"]) == 2
    question = {"confirmation_required": {"summary": "Pay ¥45.50?", "expires_at": "2026-12-05T06:00:00Z"}}
    Draft202012Validator(pay).validate(question)
    with pytest.raises(ValidationError):
        Draft202012Validator(pay).validate({"confirmation_required": {"summary": 1}})
    find = first_party().get("charging_find_stations")
    assert find is not None and doc["charging_find_stations"]["outputSchema"] == find.output_schema


def test_native_format_carries_effect_confirmation_and_source() -> None:
    doc = {t["name"]: t for t in render(Format.NATIVE, TOOLS)["tools"]}
    start = doc["charging_start_session"]
    assert (start["effect"], start["requires_confirmation"], start["source"]) == (
        "write",
        True,
        "first_party",
    )


def test_visibility_by_role() -> None:
    catalog = first_party()
    assert len(catalog.visible_to(Role.VEHICLE)) == len(catalog)
    assert catalog.visible_to(Role.PARTNER) == []
    assert catalog.visible_to(Role.ADMIN) == []  # first-party tools are the vehicles' to call


def problems(tool: str, arguments: Any) -> list[tuple[str | None, str]]:
    catalog = first_party()
    spec = catalog.get(tool)
    assert spec is not None
    with pytest.raises(ValidationFailed) as caught:
        catalog.resolve(spec.name, None).check_arguments(arguments)
    assert caught.value.status == 422
    return [(e.pointer, e.message) for e in caught.value.errors or []]


@pytest.mark.parametrize(
    ("arguments", "pointer", "says"),
    [
        ({}, "/arguments", "'location' is a required property"),
        (
            {"location": {"lat": 91, "lon": 121.4}},
            "/arguments/location/lat",
            "91 is greater than the maximum",
        ),
        (
            {"location": PEOPLES_SQUARE, "radius_km": -1},
            "/arguments/radius_km",
            "less than or equal to the minimum",
        ),
        ({"location": PEOPLES_SQUARE, "limit": 10**9}, "/arguments/limit", "greater than the maximum"),
        ({"location": PEOPLES_SQUARE, "limit": "ten"}, "/arguments/limit", "is not of type 'integer'"),
        ({"location": PEOPLES_SQUARE, "colour": "red"}, "/arguments", "Additional properties"),
        ({"location": PEOPLES_SQUARE, "connectors": ["USB"]}, "/arguments/connectors/0", "is not one of"),
        ({"location": "People's Square"}, "/arguments/location", "is not of type 'object'"),
    ],
)
def test_find_stations_bad_arguments_are_named_by_pointer(arguments: Any, pointer: str, says: str) -> None:
    found = problems("charging_find_stations", arguments)
    assert any(p == pointer and says in m for p, m in found), found


@pytest.mark.parametrize("station_id", ["充电站🔌", "CN-SHA-0001\u202e", "人民广场 station", "x" * 65, ""])
def test_emoji_mixed_scripts_and_oversized_ids_are_refused(station_id: str) -> None:
    found = problems("charging_get_station", {"station_id": station_id})
    assert found[0][0] == "/arguments/station_id"


def test_valid_arguments_pass() -> None:
    catalog = first_party()
    spec = catalog.get("charging_find_stations")
    assert spec is not None
    catalog.resolve(spec.name, None).check_arguments(
        {
            "location": PEOPLES_SQUARE,
            "radius_km": 5,
            "connectors": ["GB_T_DC"],
            "route": [PEOPLES_SQUARE, {"lat": 31.3, "lon": 121.5}],
            "limit": 50,
        },
    )


def test_result_validation_names_the_broken_field() -> None:
    catalog = first_party()
    spec = catalog.get("charging_get_session")
    assert spec is not None
    with pytest.raises(ValueError, match="/session"):
        catalog.resolve(spec.name, None).check_result({"session": {"id": 1}})
