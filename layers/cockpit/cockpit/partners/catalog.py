"""The catalog the dispatcher reads: first-party tools, plus the active partner tools read fresh.

First-party names resolve from memory (the warm path is unchanged); any other name is asked of the
partner source, so a retired contract's tools are gone on the next call. Partner schemas come from
arbitrary OpenAPI documents ($ref/$defs, 2020-12 keywords the fast compiled validator does not read),
so the compiled fast validator answers only for schemas that keep to keywords both validators read alike
(`reads_alike`); any other schema, and any invalid input, goes to the JSON Schema 2020-12 validator. One
pair per distinct schema (keyed by content: a name may carry another schema in the next version), LRU.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError
from referencing.exceptions import Unresolvable

from cockpit.errors import UpstreamError
from cockpit.partners.model import PartnerTool, PartnerToolSource
from cockpit.partners.patterns import PartnerValidator, UnsafePattern
from cockpit.tools.catalog import Catalog, worth_compiling
from cockpit.tools.model import Caller, Role, ToolSpec

_FORMATS = FormatChecker()
MAX_PARTNER_VALIDATORS = 256


class PartnerCatalog(Catalog):
    def __init__(self, first_party: Catalog, source: PartnerToolSource) -> None:
        super().__init__(first_party)
        self.source = source
        self._handed: dict[str, PartnerTool] = {}
        self._partner_validators: OrderedDict[str, _Checks] = OrderedDict()
        self._versions: dict[str, tuple[ToolSpec, str]] = {}
        self._first_keys = frozenset([*self._tools, *(n + "#out" for n in self._tools)])

    def get(self, name: str) -> ToolSpec | None:
        found = self._tools.get(name)  # first-party: the warm path, one dict lookup
        if found is not None:
            return found
        tool = self.source.get(name)
        if tool is None:
            return None
        self._handed[name] = tool
        op = tool.operation
        # A contract version never changes (a change is version n+1): its schemas are keyed by version,
        # for exactly these schema objects, which spares serializing a schema on every call.
        if len(self._versions) > MAX_PARTNER_VALIDATORS:
            self._versions.clear()
        self._versions[name] = (tool.spec, f"{op.contract_id}@{op.version}/{name}")
        return tool.spec

    def take(self, name: str) -> PartnerTool | None:
        """The partner tool `get` just read for this call (else read again): the target's binding."""
        return self._handed.pop(name, None) or self.source.get(name)

    def visible_for(self, caller: Caller) -> list[ToolSpec]:
        return self.visible_to(caller.role) + self.partner_tools_for(caller)

    def partner_tools_for(self, caller: Caller) -> list[ToolSpec]:
        """Vehicles see every active partner tool they may call; a partner its own; an admin all."""
        tools = [t.spec for t in self.source.active_tools() if t.spec.name not in self._tools]
        if caller.role is Role.ADMIN:
            return tools
        if caller.role is Role.PARTNER:
            return [t for t in tools if t.source == f"partner:{caller.sub}"]
        return [t for t in tools if caller.role in t.roles]

    def _problems(self, key: str, schema: dict[str, Any], instance: Any) -> list[tuple[list[Any], str]]:
        if key in self._first_keys:
            return super()._problems(key, schema, instance)
        checks = self._partner_checks(key, schema)
        if checks.fast is not None:
            try:
                checks.fast(instance)
                return []
            except fastjsonschema.JsonSchemaValueException:
                pass  # invalid: the full validator names every problem
        name = key.removesuffix("#out")
        try:
            errors = sorted(checks.full.iter_errors(instance), key=lambda e: list(e.absolute_path))
        except Unresolvable:
            raise UpstreamError(f"{name}: the partner tool's schema has a broken $ref") from None
        except UnsafePattern as exc:  # stored before registration checked patterns with RE2
            raise UpstreamError(f"{name}: the partner tool's schema has a pattern {exc}") from None
        return [(list(e.absolute_path), e.message) for e in errors]

    def _partner_checks(self, which: str, schema: dict[str, Any]) -> _Checks:
        name, out = which.removesuffix("#out"), which.endswith("#out")
        known = self._versions.get(name)
        if known is not None and schema is (known[0].output_schema if out else known[0].input_schema):
            key = known[1] + ("#out" if out else "#in")
        else:  # a schema this catalog did not hand out: its content is the key
            key = json.dumps(schema, separators=(",", ":"))
        found = self._partner_validators.get(key)
        if found is not None:
            self._partner_validators.move_to_end(key)
            return found
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError:
            raise UpstreamError("the partner tool's schema is not valid JSON Schema 2020-12") from None
        full = PartnerValidator(schema, format_checker=_FORMATS)
        fast = _compiled(schema) if reads_alike(schema) and worth_compiling(schema) else None
        found = self._partner_validators[key] = _Checks(full, fast)
        if len(self._partner_validators) > MAX_PARTNER_VALIDATORS:
            self._partner_validators.popitem(last=False)
        return found


def _compiled(schema: dict[str, Any]) -> Callable[[Any], Any] | None:
    try:
        return fastjsonschema.compile(schema, use_default=False)
    except fastjsonschema.JsonSchemaException:  # e.g. a broken local $ref: the full validator reports it
        return None


@dataclass(frozen=True)
class _Checks:
    full: Draft202012Validator
    fast: Callable[[Any], Any] | None  # only for schemas both validators read alike


# Keywords that the compiled (draft-07) validator and the 2020-12 validator read alike. `format` is left
# out (the two check different format sets), and so is every 2020-12-only or draft-07-only keyword.
# `pattern` and `patternProperties` are left out too: the compiled validator runs them on Python's
# backtracking `re`, so a partner schema with a pattern is checked by the RE2 validator only.
_ALIKE = frozenset(
    {
        "type", "enum", "const", "properties", "required", "additionalProperties",
        "propertyNames", "minProperties", "maxProperties", "items", "minItems", "maxItems", "uniqueItems",
        "contains", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength",
        "maxLength", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "$ref", "$defs",
        "definitions",
    }
)  # fmt: skip
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "$comment"}
)
_NAMED = frozenset({"properties", "$defs", "definitions"})  # values are schemas by name


_ONE_SCHEMA = frozenset(
    {"items", "additionalProperties", "propertyNames", "contains", "not", "if", "then", "else"}
)


def reads_alike(schema: Any) -> bool:
    """Whether the compiled fast validator may answer for this schema: only keywords both read alike,
    `$ref` only to a local pointer and with no constraining siblings (draft-07 ignores them), `items`
    only as one schema (an array of schemas is draft-07 tuple form, 2020-12 `prefixItems`)."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict):
        return False
    if "$ref" in schema and set(schema) - _ANNOTATIONS != {"$ref"}:
        return False
    return all(_keyword_alike(k, v) for k, v in schema.items())


def _keyword_alike(keyword: str, value: Any) -> bool:
    if keyword in _ANNOTATIONS:
        return True
    if keyword not in _ALIKE:
        return False
    if keyword == "$ref":
        return isinstance(value, str) and value.startswith("#")
    if keyword in _NAMED:
        return isinstance(value, dict) and all(reads_alike(v) for v in value.values())
    if keyword in ("allOf", "anyOf", "oneOf"):
        return isinstance(value, list) and all(reads_alike(v) for v in value)
    if keyword in _ONE_SCHEMA:
        return reads_alike(value)
    return True
