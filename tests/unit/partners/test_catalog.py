"""The merged catalog: first-party tools from memory, partner tools read fresh, per-schema validation."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from cockpit.errors import UpstreamError, ValidationFailed
from cockpit.partners.catalog import PartnerCatalog, reads_alike
from cockpit.partners.model import PartnerTool
from cockpit.tools.catalog import first_party
from cockpit.tools.model import Caller, Role
from tests.support.partners import PARTNER, FakePartnerToolSource, parking_tools

BASE = "https://api.acme-parking.example/v2"
SEARCH = "acme_parking_search_spots"


def catalog(tools: list[PartnerTool] | None = None) -> tuple[PartnerCatalog, FakePartnerToolSource]:
    source = FakePartnerToolSource(parking_tools(BASE, signing_arn="sign") if tools is None else tools)
    return PartnerCatalog(first_party(), source), source


def with_schema(tool: PartnerTool, schema: dict[str, Any], out: dict[str, Any] | None = None) -> PartnerTool:
    spec = tool.spec.model_copy(
        update={"input_schema": schema, "output_schema": out or tool.spec.output_schema}
    )
    return tool.model_copy(update={"spec": spec})


def test_first_party_names_never_reach_the_partner_source() -> None:
    cat, source = catalog()
    tool = cat.get("charging_find_stations")
    assert tool is not None and tool.source == "first_party" and source.reads == 0
    assert cat.get("nobody_has_this") is None and source.reads == 1


def test_listings_by_role() -> None:
    mine = parking_tools(BASE, signing_arn="sign")
    theirs = [
        t.model_copy(update={"spec": t.spec.model_copy(update={"name": "wash_" + t.spec.name,
                                                               "source": "partner:partner-wash"})})
        for t in parking_tools(BASE, signing_arn="sign", partner="partner-wash", contract="ctr_wash")
    ]  # fmt: skip
    cat, _ = catalog(mine + theirs)
    vehicle = {t.name for t in cat.partner_tools_for(Caller(sub="vin-1", role=Role.VEHICLE))}
    partner = {t.name for t in cat.partner_tools_for(Caller(sub=PARTNER, role=Role.PARTNER))}
    admin = {t.name for t in cat.partner_tools_for(Caller(sub="ops", role=Role.ADMIN))}
    assert len(vehicle) == 6 and admin == vehicle
    assert partner == {t.spec.name for t in mine}


def test_a_partner_tool_may_not_shadow_a_first_party_name() -> None:
    (tool, *_) = parking_tools(BASE, signing_arn="sign")
    shadow = tool.model_copy(update={"spec": tool.spec.model_copy(update={"name": "charging_find_stations"})})
    cat, _ = catalog([shadow])
    assert cat.get("charging_find_stations") is not None
    assert cat.get("charging_find_stations").source == "first_party"  # type: ignore[union-attr]
    assert cat.partner_tools_for(Caller(sub="vin-1", role=Role.VEHICLE)) == []


ZONE = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "children": {"type": "array", "items": {"$ref": "#/$defs/Zone"}},
    },
}
RECURSIVE = {
    "type": "object",
    "required": ["zone"],
    "properties": {
        "zone": {"$ref": "#/$defs/Zone"},
        "pair": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "string"}]},
    },
    "$defs": {"Zone": ZONE},
}


def test_partner_schemas_with_refs_defs_and_2020_12_keywords_are_enforced() -> None:
    (tool, *_) = parking_tools(BASE, signing_arn="sign")
    cat, _ = catalog([with_schema(tool, RECURSIVE)])
    spec = cat.get(tool.spec.name)
    assert spec is not None
    cat.resolve(spec.name, None).check_arguments(
        {"zone": {"name": "B2", "children": [{"name": "B2-east"}]}, "pair": [1, "x"]}
    )
    with pytest.raises(ValidationFailed) as caught:
        cat.resolve(spec.name, None).check_arguments(
            {"zone": {"name": "B2", "children": [{"name": ""}]}, "pair": [1, 2]}
        )
    pointers = {e.pointer for e in caught.value.errors or []}
    assert pointers == {"/arguments/zone/children/0/name", "/arguments/pair/1"}


def test_validators_follow_the_schema_not_the_name() -> None:
    (tool, *_) = parking_tools(BASE, signing_arn="sign")
    v1 = with_schema(tool, {"type": "object", "properties": {"n": {"type": "integer"}}})
    v2 = with_schema(tool, {"type": "object", "properties": {"n": {"type": "string"}}})
    cat, source = catalog([v1])
    cat.resolve(v1.spec.name, None).check_arguments({"n": 1})
    source.add([v2])  # version 2 of the contract: same tool name, new schema
    with pytest.raises(ValidationFailed):
        cat.resolve(v2.spec.name, None).check_arguments({"n": 1})
    cat.resolve(v2.spec.name, None).check_arguments({"n": "one"})


def test_output_schemas_are_checked_and_broken_schemas_are_the_partners_fault() -> None:
    (tool, *_) = parking_tools(BASE, signing_arn="sign")
    cat, source = catalog([tool])
    cat.resolve(tool.spec.name, None).check_result({"spots": [{"id": "a", "name": "A", "free": 1}]})
    spot = {"id": "a", "name": "A", "free": 1, "price_per_hour": {"amount": 1, "currency": "yuan"}}
    with pytest.raises(ValueError, match="/spots/0/price_per_hour/currency"):
        cat.resolve(tool.spec.name, None).check_result({"spots": [spot]})
    broken = with_schema(tool, {"type": "object", "properties": {"x": {"$ref": "#/$defs/Missing"}}})
    source.add([broken])
    with pytest.raises(UpstreamError, match="broken"):
        cat.resolve(broken.spec.name, None).check_arguments({"x": 1})
    invalid = with_schema(tool, {"type": "object", "properties": {"x": {"type": "no-such-type"}}})
    source.add([invalid])
    with pytest.raises(UpstreamError, match="not valid JSON Schema"):
        cat.resolve(invalid.spec.name, None).check_arguments({"x": 1})


def test_an_external_ref_is_never_fetched() -> None:
    (tool, *_) = parking_tools(BASE, signing_arn="sign")
    remote = with_schema(
        tool, {"type": "object", "properties": {"x": {"$ref": "https://evil.example/s.json"}}}
    )
    cat, _ = catalog([remote])
    with pytest.raises(UpstreamError, match="broken"):  # sockets are off here: a fetch would fail differently
        cat.resolve(remote.spec.name, None).check_arguments({"x": 1})


@pytest.mark.parametrize(
    ("schema", "alike"),
    [
        (RECURSIVE["$defs"]["Zone"], True),
        ({"type": "object", "properties": {"a": {"$ref": "#/$defs/X", "description": "d"}}}, True),
        ({"$ref": "#/$defs/X", "minLength": 3}, False),  # draft-07 ignores $ref siblings
        ({"$ref": "https://evil.example/s.json"}, False),  # never compiled: fastjsonschema would fetch it
        ({"type": "array", "prefixItems": [{"type": "number"}]}, False),
        ({"type": "array", "items": [{"type": "number"}]}, False),  # draft-07 tuple form
        ({"type": "string", "format": "date-time"}, False),
        ({"type": "object", "unevaluatedProperties": False}, False),
        ({"type": "object", "dependentRequired": {"a": ["b"]}}, False),
        ({"anyOf": [{"type": "string"}, {"properties": {"x": {"const": 1}}}]}, True),
        ({"anyOf": [{"type": "string"}, {"prefixItems": []}]}, False),
        ({"not": {"type": "null"}, "if": {"required": ["a"]}, "then": {"required": ["b"]}}, True),
    ],
)
def test_the_fast_validator_answers_only_for_schemas_both_read_alike(
    schema: dict[str, Any], alike: bool
) -> None:
    assert reads_alike(schema) is alike


@pytest.mark.parametrize(
    "instance",
    [
        {"near": [31.2, 121.4]},
        {"near": [31.2, 121.4], "radius_m": 800, "features": ["ev", "covered"]},
        {"near": [31.2]},
        {"near": [31.2, 121.4], "radius_m": 0},
        {"near": [31.2, 121.4], "features": ["sauna"]},
        {"near": "31.2,121.4"},
        {"near": [31.2, 121.4], "extra": True},
        {},
    ],
)
def test_fast_and_full_validators_agree_on_partner_arguments(instance: dict[str, Any]) -> None:
    (tool, *_) = parking_tools(BASE, signing_arn="sign")
    assert reads_alike(tool.spec.input_schema)
    cat, _ = catalog([tool])
    full = Draft202012Validator(tool.spec.input_schema)
    try:
        cat.resolve(tool.spec.name, None).check_arguments(instance)
        ours = True
    except ValidationFailed:
        ours = False
    assert ours is full.is_valid(instance)


def test_a_new_contract_version_read_through_get_brings_its_own_validator() -> None:
    (tool, *_) = parking_tools(BASE, signing_arn="sign")
    v1 = with_schema(tool, {"type": "object", "properties": {"n": {"type": "integer"}}})
    v2 = with_schema(tool, {"type": "object", "properties": {"n": {"type": "string"}}})
    v2 = v2.model_copy(update={"operation": v2.operation.model_copy(update={"version": 2})})
    cat, source = catalog([v1])
    spec = cat.get(tool.spec.name)
    assert spec is not None
    cat.resolve(spec.name, None).check_arguments({"n": 1})
    source.add([v2])
    spec = cat.get(tool.spec.name)
    assert spec is not None
    with pytest.raises(ValidationFailed):
        cat.resolve(spec.name, None).check_arguments({"n": 1})
    cat.resolve(spec.name, None).check_arguments({"n": "one"})
