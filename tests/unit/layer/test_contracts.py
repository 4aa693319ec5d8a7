"""Every first-party contract file satisfies contracts/tool-contract.schema.json, and the fast validator
agrees with the 2020-12 validator on valid and invalid arguments."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest
from jsonschema import Draft202012Validator

from cockpit.tools.catalog import first_party

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
        fastjsonschema.compile(spec.input_schema)(arguments)
        fast = True
    except fastjsonschema.JsonSchemaException:
        fast = False
    assert fast == full
