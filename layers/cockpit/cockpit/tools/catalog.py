"""The tool catalog: first-party tool contracts (cockpit/catalog/*.json), with compiled validators."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker

from cockpit.errors import ProblemItem, ValidationFailed, json_pointer
from cockpit.tools.model import Caller, Role, ToolSpec

_FORMATS = FormatChecker()


class Catalog:
    def __init__(self, tools: Iterable[ToolSpec]) -> None:
        self._tools: dict[str, ToolSpec] = {}
        for tool in tools:
            if tool.name in self._tools:
                raise ValueError(f"tool {tool.name} is defined twice")
            self._tools[tool.name] = tool
        self._validators: dict[str, Draft202012Validator] = {}
        self._fast: dict[str, Callable[[Any], Any]] = {}

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def get(self, name: str) -> ToolSpec | None:
        return self._tools.get(name)

    def visible_to(self, role: Role) -> list[ToolSpec]:
        """The first-party tools this role may call (api.md: "the tools the caller may use")."""
        return [t for t in self._tools.values() if role in t.roles]

    def visible_for(self, caller: Caller) -> list[ToolSpec]:
        """Every tool this caller may call; a catalog with partner tools adds the caller's share of them."""
        return self.visible_to(caller.role)

    def validate_arguments(self, tool: ToolSpec, arguments: Any) -> None:
        """422 naming every argument that breaks the tool's JSON Schema, by pointer."""
        problems = self._problems(tool.name, tool.input_schema, arguments)
        if problems:
            items = [
                ProblemItem(pointer=json_pointer(["arguments", *path]), message=message[:300])
                for path, message in problems[:20]
            ]
            raise ValidationFailed(
                f"arguments for {tool.name} do not match its schema ({len(problems)} problem(s))",
                errors=items,
            )

    def validate_result(self, tool: ToolSpec, result: Any) -> None:
        """ValueError when a target's result breaks the tool's output schema (a bug or a bad partner)."""
        if tool.output_schema is None:
            return
        problems = self._problems(tool.name + "#out", tool.output_schema, result)
        if problems:
            path, message = problems[0]
            raise ValueError(f"{json_pointer(path) or '/'}: {message[:200]}")

    def _problems(self, key: str, schema: dict[str, Any], instance: Any) -> list[tuple[list[Any], str]]:
        """What is wrong with `instance`, located by path; [] when it is valid.

        A compiled 2020-12 validator (jsonschema-rs) answers valid input in about a microsecond; only
        invalid input pays for the pure-Python 2020-12 validator, which names every error. Tool schemas keep
        to keywords both read alike (tested); should they ever disagree, the input is refused all the same.
        """
        fast = self._fast.get(key)
        if fast is None:
            fast = self._fast[key] = _fast_validator(schema)
        first: list[tuple[list[Any], str]] = []
        if fast is not _NO_FAST_PATH:
            try:
                fast(instance)
                return []
            except jsonschema_rs.ValidationError as exc:
                first = [(list(exc.instance_path), exc.message)]
        errors = sorted(
            self._validator(key, schema).iter_errors(instance), key=lambda e: list(e.absolute_path)
        )
        return [(list(e.absolute_path), e.message) for e in errors] or first

    def _validator(self, key: str, schema: dict[str, Any]) -> Draft202012Validator:
        validator = self._validators.get(key)
        if validator is None:
            validator = self._validators[key] = Draft202012Validator(schema, format_checker=_FORMATS)
        return validator


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


def load_contracts(texts: Iterable[str]) -> list[ToolSpec]:
    tools: list[ToolSpec] = []
    for text in texts:
        doc: dict[str, Any] = json.loads(text)
        tools.extend(ToolSpec.model_validate(t) for t in doc["tools"])
    return tools


@cache
def first_party() -> Catalog:
    """Every first-party tool contract shipped in the layer."""
    folder = resources.files("cockpit") / "catalog"
    texts = [
        f.read_text(encoding="utf-8")
        for f in sorted(folder.iterdir(), key=lambda f: f.name)
        if f.name.endswith(".json")
    ]
    return Catalog(load_contracts(texts))
