"""Every first-party tool is described twice — the catalog's JSON Schema (what callers and models see) and
the domain function's pydantic model (what it parses) — so the two must agree, for every domain at once."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from cockpit.tools.catalog import first_party
from cockpit.tools.handlers import ToolHandlers

SPECS = sorted((t for t in first_party() if t.target.startswith("lambda:")), key=lambda t: t.name)
DOMAINS = sorted({t.target.removeprefix("lambda:") for t in SPECS})


def handlers(domain: str) -> ToolHandlers:
    found: ToolHandlers = importlib.import_module(f"{domain}.handler").tools
    return found


@pytest.mark.parametrize("domain", DOMAINS)
def test_each_function_serves_exactly_its_catalog_tools(domain: str) -> None:
    assert handlers(domain).names == {t.name for t in SPECS if t.target == f"lambda:{domain}"}


@pytest.mark.parametrize("spec", SPECS, ids=[t.name for t in SPECS])
def test_schema_and_model_name_the_same_arguments(spec: Any) -> None:
    model = handlers(spec.target.removeprefix("lambda:")).arguments_of(spec.name)
    schema = spec.input_schema
    assert set(schema["properties"]) == set(model.model_fields)
    assert set(schema.get("required", [])) == {n for n, f in model.model_fields.items() if f.is_required()}
    assert schema.get("additionalProperties") is False  # the models forbid extras too


def test_the_gateways_own_tool_names_what_its_target_reads() -> None:
    spec = first_party().get("cockpit_get_operation")
    assert spec is not None and spec.target == "gateway:operations"
    assert spec.input_schema["required"] == ["operation_id"] and set(spec.input_schema["properties"]) == {
        "operation_id"
    }
    assert {t.target for t in first_party()} - {t.target for t in SPECS} == {"gateway:operations"}
