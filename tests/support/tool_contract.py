"""One table of good and bad arguments per tool, held to both sides of its contract: the catalog's JSON Schema
(generated from the tool's declaration; what the gateway validates, with its real validators) and the
function's pydantic model (what the domain parses again). Both must accept every good input and refuse every
bad one — a schema generated wrongly, or a model changed without `make catalog`, fails here."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from cockpit.errors import ValidationFailed
from cockpit.tools.catalog import first_party
from cockpit.tools.handlers import ToolHandlers
from cockpit_dev.catalog import declarations

Table = dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]]


def served(domain: str) -> ToolHandlers:
    handlers: ToolHandlers = importlib.import_module(f"{domain}.handler").tools
    return handlers


def cases(table: Table) -> list[Any]:
    return [
        pytest.param(tool, args, good, id=f"{tool}-{'good' if good else 'bad'}{i}")
        for tool, (goods, bads) in table.items()
        for good, rows in ((True, goods), (False, bads))
        for i, args in enumerate(rows)
    ]


def check(domain: str, tool_name: str, arguments: dict[str, Any], good: bool) -> None:
    catalog = first_party()
    spec = catalog.get(tool_name)
    assert spec is not None
    schema_errors = list(Draft202012Validator(spec.input_schema).iter_errors(arguments))
    try:
        catalog.resolve(tool_name, None).check_arguments(
            arguments
        )  # the gateway's path: compiled, then 2020-12
        gateway_accepts = True
    except ValidationFailed:
        gateway_accepts = False
    (declared,) = [t for t in declarations(domain) if t.name == tool_name]
    try:
        declared.arguments.model_validate(arguments)
        model_accepts = True
    except ValidationError:
        model_accepts = False
    assert (not schema_errors, gateway_accepts, model_accepts) == (good, good, good), (
        f"schema errors: {[e.message for e in schema_errors]}"
    )


def covers(domain: str, table: Table) -> None:
    """Every tool the domain declares has a row in its table, and nothing else does."""
    assert set(table) == {t.name for t in declarations(domain)}
    for goods, bads in table.values():
        assert goods and bads
