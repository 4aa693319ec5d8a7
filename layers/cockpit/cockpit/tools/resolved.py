"""A resolved tool: what `Catalog.resolve` gives the dispatcher for one call — the tool's contract, its
compiled argument and result checks, and the target that serves it — for first-party and partner tools
alike. The checks belong to the contract (compiled on first use, once per tool or contract version), the
target to the tool as it was read for this call: nothing is looked up again by name on the way."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker

from cockpit.errors import ConfigurationError, ProblemItem, ValidationFailed, json_pointer
from cockpit.tools.model import ToolInvocation, ToolResult, ToolSpec

_FORMATS = FormatChecker()

Problems = list[tuple[list[Any], str]]  # what is wrong with an instance: (path, message) pairs


class Target(Protocol):
    def invoke(self, invocation: ToolInvocation) -> ToolResult: ...


class TargetResolver(Protocol):
    """Where a tool's `target` string (`lambda:<domain>`, `gateway:<name>`) goes."""

    def resolve(self, target: str) -> Target: ...


class SchemaCheck(Protocol):
    def problems(self, instance: Any) -> Problems: ...


class CompiledCheck:
    """One first-party schema: a compiled 2020-12 validator (jsonschema-rs) answers valid input in about a
    microsecond; only invalid input pays for the pure-Python 2020-12 validator, which names every error.
    Tool schemas keep to keywords both validators read alike (tested); should they ever disagree, the input
    is refused all the same.
    Both are built on first use (a container compiles only the tools it is asked for)."""

    __slots__ = ("_fast", "_full", "schema")

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._fast: Callable[[Any], Any] | None = None
        self._full: Draft202012Validator | None = None

    def problems(self, instance: Any) -> Problems:
        fast = self._fast
        if fast is None:
            fast = self._fast = _fast_validator(self.schema)
        first: Problems = []
        if fast is not _NO_FAST_PATH:
            try:
                fast(instance)
                return []
            except jsonschema_rs.ValidationError as exc:
                first = [(list(exc.instance_path), exc.message)]
        full = self._full
        if full is None:
            full = self._full = Draft202012Validator(self.schema, format_checker=_FORMATS)
        errors = sorted(full.iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [(list(e.absolute_path), e.message) for e in errors] or first


@dataclass(frozen=True, slots=True)
class ToolChecks:
    """A contract's argument and result checks (`result` None: the tool declares no output schema)."""

    arguments: SchemaCheck
    result: SchemaCheck | None = None

    @classmethod
    def of(cls, spec: ToolSpec) -> ToolChecks:
        out = spec.output_schema
        return cls(CompiledCheck(spec.input_schema), CompiledCheck(out) if out is not None else None)


@dataclass(frozen=True, slots=True)
class ResolvedTool:
    spec: ToolSpec
    checks: ToolChecks
    target: Target

    @property
    def name(self) -> str:
        return self.spec.name

    def check_arguments(self, arguments: Any) -> None:
        """422 naming every argument that breaks the tool's JSON Schema, by pointer."""
        problems = self.checks.arguments.problems(arguments)
        if problems:
            items = [
                ProblemItem(pointer=json_pointer(["arguments", *path]), message=message[:300])
                for path, message in problems[:20]
            ]
            raise ValidationFailed(
                f"arguments for {self.spec.name} do not match its schema ({len(problems)} problem(s))",
                errors=items,
            )

    def check_result(self, result: Any) -> None:
        """ValueError when a target's result breaks the tool's output schema (a bug or a bad partner)."""
        if self.checks.result is None:
            return
        problems = self.checks.result.problems(result)
        if problems:
            path, message = problems[0]
            raise ValueError(f"{json_pointer(path) or '/'}: {message[:200]}")

    def invoke(self, invocation: ToolInvocation) -> ToolResult:
        return self.target.invoke(invocation)


@dataclass(frozen=True, slots=True)
class Unbound:
    """The target of a tool resolved without targets (a listing, a contract check): calling it is a
    configuration error, never a silent success."""

    target: str

    def invoke(self, invocation: ToolInvocation) -> ToolResult:
        raise ConfigurationError(f"no target is configured for {self.target} ({invocation.tool})")


def target_of(spec: ToolSpec, targets: TargetResolver | None) -> Target:
    return Unbound(spec.target) if targets is None else targets.resolve(spec.target)


# Partner schemas can be large with shared `$defs`: fastjsonschema takes about a second to compile a
# 64 KiB one, the 2020-12 validator well under a millisecond to build and ~0.1 ms to check valid input.
FAST_PATH_MAX_BYTES = 16 * 1024


def _no_fast_path(_instance: Any) -> Any:
    raise AssertionError("not called")  # pragma: no cover - a sentinel


_NO_FAST_PATH: Callable[[Any], Any] = _no_fast_path


def worth_compiling(schema: dict[str, Any]) -> bool:
    """Whether compiling a fast validator pays: small schemas without shared definitions (every first-party
    one). fastjsonschema takes about a second to compile a 60 KiB schema with `$defs` — inside a car's
    request — while the 2020-12 validator checks it in about 0.1 ms."""
    return (
        "$defs" not in schema
        and "definitions" not in schema
        and len(json.dumps(schema)) <= FAST_PATH_MAX_BYTES
    )


def _fast_validator(schema: dict[str, Any]) -> Callable[[Any], Any]:
    """The compiled validator where it pays (`worth_compiling`), else none: jsonschema-rs, JSON Schema
    2020-12 as the error reporter reads it, patterns on the linear-time `regex` engine, never fetching a
    remote `$ref`. It only reads the arguments (no defaults written into them). Its `validate` raises
    jsonschema_rs.ValidationError on the first error."""
    if not worth_compiling(schema):
        return _NO_FAST_PATH
    validator = jsonschema_rs.Draft202012Validator(schema, pattern_options=jsonschema_rs.RegexOptions())
    return validator.validate
