"""Every compiled tool — from the examples and from a generated multi-megabyte document — is accepted by
each assistant format the gateway serves, and its schemas are valid JSON Schema 2020-12 that the
gateway's own argument validators (compiled fast path and 2020-12) read alike.

Rules, from each provider's documentation:
- OpenAI function calling (and Qwen/DashScope, which follows it): name `^[a-zA-Z0-9_-]{1,64}$`;
  `parameters` a JSON Schema object.
- Amazon Bedrock Converse ToolSpecification: name 1-64 characters of `[a-zA-Z0-9_-]` (Bedrock Agents:
  `[a-zA-Z][a-zA-Z0-9_]*`, stricter, also met); description at least 1 character;
  `inputSchema.json` an object schema. Anthropic models behind it: property keys `^[a-zA-Z0-9_.-]{1,64}$`.
- MCP tools: name 1-128 of `[A-Za-z0-9_.-]`; `inputSchema` and `outputSchema` JSON Schema objects with
  `"type": "object"` at the root.
- The gateway's own limit for all: description at most 1024 characters.
"""

from __future__ import annotations

import contextlib
import json
import re
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from cockpit.errors import ValidationFailed
from cockpit.tools import formats
from cockpit.tools.catalog import Catalog
from cockpit.tools.model import Effect, ToolSpec
from registry.compiler.compile import CompiledTool, Options, compile_contract
from tests.support.openapi_docs import example, large_document

OPENAI_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
BEDROCK_AGENT_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,63}$")
MCP_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
PROPERTY_KEY = re.compile(r"^[a-zA-Z0-9_.-]{1,64}$")


@cache
def all_tools() -> list[CompiledTool]:
    tools: list[CompiledTool] = []
    for name, namespace in (
        ("acme-parking.openapi.yaml", "acme_parking"),
        ("sparkle-carwash.openapi.json", "sparkle_wash"),
        ("dragon-noodles.openapi.yaml", "dragon_noodles"),
    ):
        tools += compile_contract(example(name), Options(namespace=namespace)).tools
    big = json.dumps(large_document(padding=70))
    assert len(big) > 3_000_000
    tools += compile_contract(
        big,
        Options(
            namespace="generated_partner_with_long_name",
            max_operations=400,
            max_document_bytes=4 * 1024 * 1024,
        ),
    ).tools
    return tools


def spec(tool: CompiledTool) -> ToolSpec:
    return ToolSpec(
        name=tool.name,
        title=tool.title,
        description=tool.description,
        input_schema=tool.input_schema,
        output_schema=tool.output_schema,
        effect=tool.effect,
        target="partner:ctr_test",
        source="partner:p",
    )


def test_the_generated_document_compiles_all_its_operations() -> None:
    generated = [t for t in all_tools() if t.name.startswith("generated_")]
    assert len(generated) == 400 and len({t.name for t in generated}) == 400


def local_refs_resolve(schema: dict[str, Any]) -> None:
    text = json.dumps(schema)
    for ref in re.findall(r'"\$ref": "([^"]*)"', text):
        assert ref.startswith("#/$defs/") and ref.removeprefix("#/$defs/") in schema.get("$defs", {}), ref


@pytest.mark.parametrize("fmt", list(formats.Format))
def test_every_tool_fits_every_format(fmt: formats.Format) -> None:
    specs = [spec(t) for t in all_tools()]
    rendered = formats.render(fmt, specs)
    json.dumps(rendered)
    if fmt is formats.Format.OPENAI:
        for entry in rendered["tools"]:
            fn = entry["function"]
            assert OPENAI_NAME.match(fn["name"]) and fn["parameters"]["type"] == "object"
            assert 1 <= len(fn["description"]) <= 1024
    elif fmt is formats.Format.BEDROCK:
        for entry in rendered["toolConfig"]["tools"]:
            tool = entry["toolSpec"]
            assert BEDROCK_AGENT_NAME.match(tool["name"]) and len(tool["description"]) >= 1
            assert tool["inputSchema"]["json"]["type"] == "object"
            assert all(PROPERTY_KEY.match(k) for k in tool["inputSchema"]["json"]["properties"])
    elif fmt is formats.Format.MCP:
        for tool in rendered["tools"]:
            assert MCP_NAME.match(tool["name"]) and tool["inputSchema"]["type"] == "object"
            assert "outputSchema" not in tool or tool["outputSchema"]["type"] == "object"
    else:
        assert all(OPENAI_NAME.match(t["name"]) for t in rendered["tools"])


def test_every_schema_is_valid_json_schema_2020_12_with_local_refs_only() -> None:
    checked: set[str] = set()  # tools share their $defs: each distinct schema is checked once

    def check(schema: dict[str, Any]) -> None:
        text = json.dumps(schema, sort_keys=True)
        if text not in checked:
            checked.add(text)
            Draft202012Validator.check_schema(schema)

    for tool in all_tools():
        for schema in (tool.input_schema, tool.output_schema):
            if schema is None:
                continue
            local_refs_resolve(schema)
            assert "$schema" not in json.dumps(schema) and '"nullable"' not in json.dumps(schema)
            check({k: v for k, v in schema.items() if k != "$defs"})
            for definition in schema.get("$defs", {}).values():
                check(definition)


def test_the_gateway_validates_arguments_and_results_of_compiled_tools() -> None:
    catalog = Catalog(spec(t) for t in all_tools())
    tools = {t.name: spec(t) for t in all_tools()}
    search = tools["acme_parking_search_spots"]
    catalog.resolve(search.name, None).check_arguments({"lat": 31.2, "lon": 121.4, "features": ["covered"]})
    with pytest.raises(ValidationFailed) as bad:
        catalog.resolve(search.name, None).check_arguments({"lat": 91, "features": ["roof"], "extra": 1})
    assert sorted(e.pointer or "" for e in bad.value.errors or []) == [
        "/arguments",
        "/arguments",
        "/arguments/features/0",
        "/arguments/lat",
    ]
    menu = tools["dragon_noodles_get_menu"]
    catalog.resolve(menu.name, None).check_result(
        {"title": "Noodles", "sections": [{"title": "Soup", "sections": []}]}
    )
    with pytest.raises(ValueError, match="sections/0/sections/0/title"):
        catalog.resolve(menu.name, None).check_result({"sections": [{"sections": [{"title": 7}]}]})


def test_the_fast_and_the_2020_12_validators_agree_on_recursive_partner_schemas() -> None:
    catalog = Catalog(spec(t) for t in all_tools())
    tool = next(
        spec(t) for t in all_tools() if t.name == "generated_partner_with_long_name_post_resource000s"
    )
    assert tool.effect is Effect.WRITE and "$defs" in tool.input_schema
    good = {
        "amount": {"amount": 1, "currency": "EUR"},
        "tree": {"children": [{"children": [], "parent": None}]},
        "chain": {"level": 0, "next": {"level": 1}},
        "kind": 3,
        "status": None,
    }
    catalog.resolve(tool.name, None).check_arguments(good)
    for bad in (
        {**good, "tree": {"children": [{"children": [{"id": 5}]}]}},
        {**good, "chain": {"level": 0, "next": {"level": 2}}},
        {**good, "kind": 0},
        {**good, "amount": {"amount": 1, "currency": "eur"}},
        {**good, "id": "read-only"},
    ):
        validator = Draft202012Validator(tool.input_schema)
        assert list(validator.iter_errors(bad)), bad
        with pytest.raises(ValidationFailed, match="do not match its schema"):
            catalog.resolve(tool.name, None).check_arguments(bad)


def test_the_gateways_validators_check_every_compiled_tool() -> None:
    """Every tool's schemas build in the router's Catalog and judge an empty call by its required list;
    large or `$defs` schemas skip the compiled fast path (it needs about a second per 64 KiB schema)."""
    catalog = Catalog(spec(t) for t in all_tools())
    refused, results = set(), 0
    for tool in catalog:
        try:
            catalog.resolve(tool.name, None).check_arguments({})
        except ValidationFailed:
            refused.add(tool.name)
        if tool.output_schema is not None:
            with contextlib.suppress(ValueError):
                catalog.resolve(tool.name, None).check_result({})
            results += 1
    assert refused == {t.name for t in catalog if t.input_schema.get("required")}
    assert results > 400
