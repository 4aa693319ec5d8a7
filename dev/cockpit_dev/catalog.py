"""`make catalog`: the first-party tool contracts (layers/cockpit/cockpit/catalog/<domain>.json) generated
from the tools each function declares in `<domain>/tools.py` (`DECLARED`, a tuple of ToolDeclaration), and
the gateway's own in cockpit.operations. The JSON stays the artifact the layer ships (the layer never
imports a function); a test keeps the committed files equal to what this writes.

The schemas are pydantic's JSON Schema of the declared models, made plain for callers and models alike:
every `$ref` inlined (no `$defs`: the router's compiled validators and hosts' tool lists read flat schemas),
no generated titles or class docstrings, and no `format` (the router's compiled and 2020-12 validators read
it differently): a date-time argument is the RFC 3339 pattern both read alike, a date-time result a string.
An argument that is None by default may be left out and is never null. A result's field is required unless
it may be None (results are sent without their None fields, every other field always), and results carry
no defaults.
"""

from __future__ import annotations

import argparse
import importlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from cockpit.tools.declaration import ToolDeclaration
from cockpit.tools.model import Role, ToolSpec

CATALOG_DIR = Path(__file__).resolve().parents[2] / "layers" / "cockpit" / "cockpit" / "catalog"
# Catalog file (domain) -> the module whose DECLARED tuple it is generated from.
SOURCES: dict[str, str] = {
    "charging": "charging.tools",
    "cockpit": "cockpit.operations",
    "booking": "booking.tools",
    "navigation": "navigation.tools",
    "payments": "payments.tools",
}

Mode = Literal["validation", "serialization"]
# A date-time argument as both of the router's validators read it alike (they disagree on `format`).
RFC3339 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
_SCHEMA_KEYS = ("items", "additionalProperties", "not", "contains", "propertyNames")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")


def declarations(domain: str) -> tuple[ToolDeclaration[Any, Any], ...]:
    declared: tuple[ToolDeclaration[Any, Any], ...] = importlib.import_module(SOURCES[domain]).DECLARED
    return declared


class _Schema(GenerateJsonSchema):
    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        """A result's field with a default is always sent (unless None: see _optional_fields)."""
        return self.mode == "serialization" or super().field_is_required(field, total)


def schema_of(model: type[BaseModel], mode: Mode) -> dict[str, Any]:
    """The model's JSON Schema, flat and plain (see the module's docstring)."""
    raw = model.model_json_schema(mode=mode, schema_generator=_Schema)
    defs: dict[str, Any] = raw.pop("$defs", {})
    raw.pop("description", None)  # the model's docstring: the tool's description says it
    return _plain(raw, defs, mode)


def _plain(schema: dict[str, Any], defs: dict[str, Any], mode: Mode) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is not None:
        target = {k: v for k, v in defs[ref.removeprefix("#/$defs/")].items() if k != "description"}
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title":
            continue
        if key == "format":
            out.update(_format(value, mode))
        elif key == "properties":
            out[key] = {name: _plain(sub, defs, mode) for name, sub in value.items()}
        elif key == "additionalProperties" and value is True:
            continue  # the default: pydantic spells it for dict[str, Any]
        elif key in _SCHEMA_KEYS and isinstance(value, dict):
            out[key] = _plain(value, defs, mode)
        elif key in _SCHEMA_LISTS:
            out[key] = [_plain(sub, defs, mode) for sub in value]
        else:
            out[key] = value
    out = _nullable(out, mode)
    if "properties" in out:
        _optional_fields(out, mode)
    return out


def _format(value: str, mode: Mode) -> dict[str, Any]:
    if value != "date-time":
        raise ValueError(f"no catalog rule for format {value!r}: decide one in cockpit_dev.catalog")
    return {"pattern": RFC3339} if mode == "validation" else {}


def _nullable(schema: dict[str, Any], mode: Mode) -> dict[str, Any]:
    """`anyOf: [X, {type: null}]` as X with "null" added to its type (an argument drops it again)."""
    branches = schema.get("anyOf")
    if not branches or len(branches) != 2 or {"type": "null"} not in branches:
        return schema
    (other,) = [b for b in branches if b != {"type": "null"}]
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    kind = other.get("type")
    if not isinstance(kind, str) or "anyOf" in other:
        return schema
    return {**other, "type": [kind, "null"], **rest}


def _optional_fields(schema: dict[str, Any], mode: Mode) -> None:
    """An argument that is None by default may be left out, never sent as null; a result's field that may be
    None may be left out (results are sent without their None fields) or null (a result built as a dict)."""
    absent = set()
    for name, sub in schema["properties"].items():
        if sub.get("default", ...) is None:
            del sub["default"]
            absent.add(name)
            if mode == "validation":
                _drop_null(sub)
        elif mode == "serialization" and _allows_null(sub):
            absent.add(name)
        if mode == "serialization":
            sub.pop("default", None)  # a result states what it holds
    kept = [n for n in schema.get("required", []) if not (mode == "serialization" and n in absent)]
    if kept:
        schema["required"] = kept
    else:
        schema.pop("required", None)


def _drop_null(schema: dict[str, Any]) -> None:
    kind = schema.get("type")
    if isinstance(kind, list) and "null" in kind:
        rest = [k for k in kind if k != "null"]
        schema["type"] = rest[0] if len(rest) == 1 else rest


def _allows_null(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "null" or (isinstance(kind, list) and "null" in kind)


def tool_entry(tool: ToolDeclaration[Any, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": tool.name, "title": tool.title, "description": tool.description}
    entry["effect"] = tool.effect.value
    if tool.requires_confirmation:
        entry["requires_confirmation"] = True
    if tool.destructive is not None:
        entry["destructive"] = tool.destructive
    if tool.idempotent is not None:
        entry["idempotent"] = tool.idempotent
    if tool.long_running:
        entry["long_running"] = True
    entry["target"] = tool.target
    if tool.roles != (Role.VEHICLE,):
        entry["roles"] = [r.value for r in tool.roles]
    entry["input_schema"] = schema_of(tool.arguments, "validation")
    entry["output_schema"] = schema_of(tool.result, "serialization")
    ToolSpec.model_validate(entry)  # what the layer will load
    return entry


def text(domain: str, tools: Iterable[ToolDeclaration[Any, Any]]) -> str:
    doc = {"domain": domain, "tools": [tool_entry(t) for t in tools]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def generated(domain: str) -> str:
    return text(domain, declarations(domain))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cockpit_dev.catalog", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=CATALOG_DIR,
        help="where the catalog files go (default: the layer's)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a committed file differs")
    args = parser.parse_args(argv)
    stale = []
    for domain in SOURCES:
        path: Path = args.output_dir / f"{domain}.json"
        new = generated(domain)
        if path.exists() and path.read_text(encoding="utf-8") == new:
            continue
        stale.append(path.name)
        if not args.check:
            path.write_text(new, encoding="utf-8")
    if args.check and stale:
        print(f"catalog drifted from the declarations ({', '.join(stale)}): run `make catalog`")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
