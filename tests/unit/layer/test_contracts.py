"""Every first-party contract file satisfies contracts/tool-contract.schema.json, and the fast validator
agrees with the 2020-12 validator on valid and invalid arguments."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from jsonschema import Draft202012Validator

from cockpit.tools.catalog import first_party
from cockpit.tools.resolved import _fast_validator

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "contracts" / "tool-contract.schema.json").read_text())
FILES = sorted(p for p in (resources.files("cockpit") / "catalog").iterdir() if p.name.endswith(".json"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_contract_files_follow_the_contract_schema(path: Any) -> None:
    Draft202012Validator.check_schema(SCHEMA)
    errors = list(Draft202012Validator(SCHEMA).iter_errors(json.loads(path.read_text())))
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_a_ref_in_a_tool_schema_is_refused() -> None:
    bad = {
        "domain": "x",
        "tools": [
            {
                "name": "x_y",
                "title": "t",
                "description": "d",
                "effect": "read",
                "target": "lambda:x",
                "input_schema": {"$ref": "#/a", "type": "object", "properties": {}},
            }
        ],
    }
    assert list(Draft202012Validator(SCHEMA).iter_errors(bad))


HERE = {"lat": 31.2, "lon": 121.4}
SAMPLES: list[tuple[str, Any]] = [
    ("charging_find_stations", {"location": HERE}),
    ("charging_find_stations", {"location": HERE, "limit": True}),
    ("charging_find_stations", {"location": HERE, "limit": 1.0}),
    ("charging_find_stations", {"location": HERE, "radius_km": 0}),
    ("charging_find_stations", {"location": HERE, "radius_km": 100}),
    ("charging_find_stations", {"location": HERE, "connectors": []}),
    ("charging_find_stations", {"location": HERE, "connectors": ["CCS2", "CCS2"]}),
    ("charging_find_stations", {"location": HERE, "route": [HERE]}),
    ("charging_find_stations", {"location": {"lat": 1}}),
    ("charging_find_stations", []),
    ("charging_get_station", {"station_id": "CN-SHA-0001"}),
    ("charging_get_station", {"station_id": "CN SHA"}),
    ("charging_stop_session", {"session_id": "cs_" + "a" * 24}),
    ("charging_stop_session", {"session_id": "cs_" + "A" * 24}),
]


@pytest.mark.parametrize(("tool", "arguments"), SAMPLES)
def test_fast_and_full_validators_agree(tool: str, arguments: Any) -> None:
    spec = first_party().get(tool)
    assert spec is not None
    full = Draft202012Validator(spec.input_schema).is_valid(arguments)
    try:
        _fast_validator(spec.input_schema)(arguments)
        fast = True
    except jsonschema_rs.ValidationError:
        fast = False
    assert fast == full


# Keywords the compiled fast path (jsonschema-rs) and the error reporter (jsonschema) read alike: no
# `format` (their format sets differ), no references.
SHARED_KEYWORDS = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "enum",
    "const",
    "anyOf",
    "oneOf",
    "allOf",
    "not",
    "description",
    "title",
    "default",
    "examples",
}


def keywords(schema: Any) -> set[str]:
    if isinstance(schema, list):
        return set().union(*(keywords(s) for s in schema)) if schema else set()
    if not isinstance(schema, dict):
        return set()
    found = set(schema)
    for key, value in schema.items():
        if key == "properties":
            found |= set().union(*(keywords(v) for v in value.values())) if value else set()
        elif key in ("items", "anyOf", "oneOf", "allOf", "not", "additionalProperties"):
            found |= keywords(value)
    return found


@pytest.mark.parametrize("tool", list(first_party()), ids=lambda t: t.name)
def test_tool_schemas_use_only_keywords_both_validators_share(tool: Any) -> None:
    used = keywords(tool.input_schema) | keywords(tool.output_schema or {})
    assert used <= SHARED_KEYWORDS, used - SHARED_KEYWORDS


def test_validation_never_writes_defaults_into_the_arguments() -> None:
    catalog = first_party()
    spec = catalog.get("charging_find_stations")
    assert spec is not None
    arguments = {"location": HERE}
    catalog.resolve(spec.name, None).check_arguments(arguments)
    assert arguments == {"location": HERE}


def test_when_the_validators_disagree_the_input_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from cockpit.errors import ValidationFailed
    from cockpit.tools.catalog import Catalog
    from cockpit.tools.resolved import CompiledCheck

    catalog = Catalog(list(first_party()))
    spec = catalog.get("charging_get_station")
    assert spec is not None

    tool = catalog.resolve(spec.name, None)
    check = tool.checks.arguments
    assert isinstance(check, CompiledCheck)
    # a compiled validator stricter than the tool's schema: it refuses this station id
    stricter = {"properties": {"station_id": {"not": {"const": "CN-SHA-0001"}}}}
    check._fast = jsonschema_rs.validator_for(stricter).validate
    with pytest.raises(ValidationFailed) as caught:
        catalog.resolve(spec.name, None).check_arguments({"station_id": "CN-SHA-0001"})
    assert caught.value.errors is not None
    assert caught.value.errors[0].pointer == "/arguments/station_id"


def test_a_pattern_ends_at_the_end_of_the_string() -> None:
    """JSON Schema patterns are ECMA-262: `$` is the end of the string. Python's `re` (the error reporter's)
    also matches `$` before a final newline; the compiled fast path does not, so such an id is refused,
    named by pointer."""
    from cockpit.errors import ValidationFailed

    catalog = first_party()
    spec = catalog.get("charging_get_station")
    assert spec is not None
    tool = catalog.resolve(spec.name, None)
    tool.check_arguments({"station_id": "CN-SHA-0001"})
    with pytest.raises(ValidationFailed) as caught:
        tool.check_arguments({"station_id": "CN-SHA-0001\n"})
    assert caught.value.errors is not None
    assert caught.value.errors[0].pointer == "/arguments/station_id"
