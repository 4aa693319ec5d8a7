"""The catalog the dispatcher reads: first-party tools, plus the active partner tools read fresh.

First-party names resolve from memory (the warm path is unchanged); any other name is asked of the
partner source, so a retired contract's tools are gone on the next call. A partner tool resolves to its
contract, its checks and a target bound to the binding just read (`PartnerTarget`), so a call reads the
registry once and calls exactly what it validated. Partner schemas come from arbitrary OpenAPI documents
($ref/$defs, 2020-12 keywords the fast compiled validator does not read), so the compiled fast validator
answers only for schemas that keep to keywords both validators read alike (`reads_alike`); any other
schema, and any invalid input, goes to the JSON Schema 2020-12 validator. One set of checks per contract
version and tool (a version never changes: a change is version n+1), LRU-bounded.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError
from referencing.exceptions import Unresolvable

from cockpit.errors import ConfigurationError, ToolNotFound, UpstreamError
from cockpit.partners.model import PartnerTool, PartnerToolSource
from cockpit.partners.patterns import PartnerValidator, UnsafePattern
from cockpit.tools.catalog import Catalog
from cockpit.tools.model import Caller, Role, ToolInvocation, ToolResult, ToolSpec
from cockpit.tools.resolved import (
    Problems,
    ResolvedTool,
    TargetResolver,
    ToolChecks,
    target_of,
    worth_compiling,
)

if TYPE_CHECKING:
    from cockpit.partners.target import PartnerCaller

_FORMATS = FormatChecker()
MAX_PARTNER_VALIDATORS = 256


@dataclass(frozen=True, slots=True)
class PartnerTarget:
    """A partner tool's target: the binding read for this call, sent by the container's partner caller
    (built on the first partner call, so a container serving only first-party tools never loads httpx)."""

    tool: PartnerTool
    caller: Callable[[], PartnerCaller]

    def invoke(self, invocation: ToolInvocation) -> ToolResult:
        return self.caller().call(self.tool, invocation)


class PartnerCatalog(Catalog):
    def __init__(
        self,
        first_party: Catalog,
        source: PartnerToolSource,
        caller: Callable[[], PartnerCaller] | None = None,
    ) -> None:
        """`caller`: the partner caller partner tools are bound to; None (a test's catalog): a partner
        tool's target is resolved from its `partner:<contract>` string like any other."""
        super().__init__(first_party)
        self.source = source
        self._caller = caller
        self._partner_checks: OrderedDict[tuple[str, int, str], _VersionChecks] = OrderedDict()

    def get(self, name: str) -> ToolSpec | None:
        found = self._tools.get(name)  # first-party: one dict lookup
        if found is not None:
            return found
        tool = self.source.get(name)
        return tool.spec if tool is not None else None

    def resolve(
        self, name: str, caller: Caller | None, targets: TargetResolver | None = None
    ) -> ResolvedTool:
        first = self._first_party(name, caller, targets)  # first-party: the warm path, from memory
        if first is not None:
            return first
        tool = self.source.get(name)
        if tool is None or (caller is not None and caller.role not in tool.spec.roles):
            raise ToolNotFound(f"there is no tool {name!r} for this caller")
        if tool.spec.target != f"partner:{tool.operation.contract_id}":
            raise ConfigurationError(f"{name}: its binding and its target disagree")
        target = (
            PartnerTarget(tool, self._caller) if self._caller is not None else target_of(tool.spec, targets)
        )
        return ResolvedTool(tool.spec, self.checks_of(tool), target)

    def checks_of(self, tool: PartnerTool) -> ToolChecks:
        """The tool's checks for its contract version: made once, then reused while the version is served
        (held with the schemas they check, so a version that came back with other schemas gets new ones)."""
        op, spec = tool.operation, tool.spec
        key = (op.contract_id, op.version, spec.name)
        found = self._partner_checks.get(key)
        if found is not None and found.checks_schemas_of(spec):
            self._partner_checks.move_to_end(key)
            return found.checks
        out = spec.output_schema
        checks = ToolChecks(
            PartnerCheck(spec.name, spec.input_schema),
            PartnerCheck(spec.name, out) if out is not None else None,
        )
        self._partner_checks[key] = _VersionChecks(spec.input_schema, out, checks)
        self._partner_checks.move_to_end(key)
        if len(self._partner_checks) > MAX_PARTNER_VALIDATORS:
            self._partner_checks.popitem(last=False)
        return checks

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


@dataclass(frozen=True, slots=True)
class _VersionChecks:
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None
    checks: ToolChecks

    def checks_schemas_of(self, spec: ToolSpec) -> bool:
        """Whether these checks were made for `spec`'s schemas: the very objects (the registry reuses a
        parsed tool while its item is unchanged), else equal ones."""
        same_in = spec.input_schema is self.input_schema or spec.input_schema == self.input_schema
        out = spec.output_schema
        return same_in and (out is self.output_schema or out == self.output_schema)


class PartnerCheck:
    """One partner schema: compiled on first use (an invalid schema or a broken `$ref` is the partner's
    fault: 502), the fast validator only where it reads the schema as 2020-12 does."""

    __slots__ = ("_fast", "_full", "schema", "tool")

    def __init__(self, tool: str, schema: dict[str, Any]) -> None:
        self.tool = tool
        self.schema = schema
        self._full: Draft202012Validator | None = None
        self._fast: Callable[[Any], Any] | None = None

    def _compile(self) -> Draft202012Validator:
        try:
            Draft202012Validator.check_schema(self.schema)
        except SchemaError:
            raise UpstreamError("the partner tool's schema is not valid JSON Schema 2020-12") from None
        schema = self.schema
        self._fast = _compiled(schema) if reads_alike(schema) and worth_compiling(schema) else None
        self._full = PartnerValidator(schema, format_checker=_FORMATS)
        return self._full

    def problems(self, instance: Any) -> Problems:
        full = self._full or self._compile()
        if self._fast is not None:
            try:
                self._fast(instance)
                return []
            except fastjsonschema.JsonSchemaValueException:
                pass  # invalid: the full validator names every problem
        try:
            errors = sorted(full.iter_errors(instance), key=lambda e: list(e.absolute_path))
        except Unresolvable:
            raise UpstreamError(f"{self.tool}: the partner tool's schema has a broken $ref") from None
        except UnsafePattern as exc:  # stored before registration checked patterns with RE2
            raise UpstreamError(f"{self.tool}: the partner tool's schema has a pattern {exc}") from None
        return [(list(e.absolute_path), e.message) for e in errors]


def _compiled(schema: dict[str, Any]) -> Callable[[Any], Any] | None:
    try:
        return fastjsonschema.compile(schema, use_default=False)
    except fastjsonschema.JsonSchemaException:  # e.g. a broken local $ref: the full validator reports it
        return None


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
