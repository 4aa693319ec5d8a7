"""OpenAPI Schema Objects → JSON Schema 2020-12 that every tool format accepts.

One converter per direction: requests drop `readOnly` properties, responses drop `writeOnly` ones.
Component schemas are converted once, dependencies first (no recursion along `$ref` chains, however
deep): a schema on a reference cycle, or a large one, becomes a `$defs` entry of the tool's schema;
the rest is inlined. OpenAPI 3.0's `nullable` and boolean `exclusiveMinimum/Maximum` become their
JSON Schema forms; `example` becomes `examples`. Only keywords that JSON Schema draft-07 and 2020-12
read alike are kept (the gateway validates with both); the others are dropped with a warning.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any, Literal

from cockpit.partners import patterns
from registry.compiler.problems import Problems
from registry.compiler.refs import RefError, Refs, refs_in, split, strongly_connected

Direction = Literal["request", "response"]
INLINE_LIMIT = 2048  # bytes of JSON: larger component schemas are shared through $defs
DESCRIPTION_LIMIT = 1024  # a tool's own description
NESTED_DESCRIPTION_LIMIT = 300  # inside its input schema (output schemas keep no annotations)
JSON_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})
_COPY: dict[str, Callable[[Any], bool]] = {  # keyword -> is the value well-formed (else dropped)
    "format": lambda v: isinstance(v, str),
    "default": lambda _v: True,
    "const": lambda _v: True,
    "multipleOf": lambda v: _number(v) and v > 0,
    "maximum": lambda v: _number(v),
    "minimum": lambda v: _number(v),
    "maxLength": lambda v: _count(v),
    "minLength": lambda v: _count(v),
    "maxItems": lambda v: _count(v),
    "minItems": lambda v: _count(v),
    "maxProperties": lambda v: _count(v),
    "minProperties": lambda v: _count(v),
    "uniqueItems": lambda v: isinstance(v, bool),
    "deprecated": lambda v: isinstance(v, bool),
}
_ONE_SCHEMA = ("additionalProperties", "items", "not", "contains", "propertyNames", "if", "then", "else")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_LOSSY = (
    "prefixItems",
    "unevaluatedProperties",
    "unevaluatedItems",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "$dynamicRef",
    "$recursiveRef",
)
_SAME_INSTANCE = frozenset({"allOf", "anyOf", "oneOf", "not", "if", "then", "else"})
_ANNOTATIONS = frozenset({"title", "description", "examples", "default", "deprecated"})
_DEF_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def trim(text: Any, limit: int = DESCRIPTION_LIMIT) -> str:
    """Text for a model to read: one line, no control or invisible formatting characters (zero-width
    spaces, bidirectional overrides can hide instructions from a human reviewer), at most `limit`."""
    visible = "".join(c for c in str(text) if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf"))
    words = " ".join(visible.split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


class Schemas:
    def __init__(self, refs: Refs, problems: Problems, *, direction: Direction, openapi31: bool) -> None:
        self.refs = refs
        self.problems = problems
        self.direction = direction
        self.openapi31 = openapi31
        self.converted: dict[str, Any] = {}
        self.shared: set[str] = set()  # pointers kept in $defs (recursive or large)
        self._def_names: dict[str, str] = {}
        self._graph: dict[str, list[str]] = {}

    # -- preparing: every reachable referenced schema, converted once, dependencies first ------------

    def prepare(self, roots: list[tuple[list[Any], Any]]) -> None:
        frontier = [ref for path, raw in roots for ref in self._checked_refs(path, raw)]
        while frontier:
            pointer = frontier.pop()
            if pointer in self._graph:
                continue
            edges = self._checked_refs(split(pointer), self.refs.lookup(pointer))
            self._graph[pointer] = edges
            frontier.extend(e for e in edges if e not in self._graph)
        order, recursive = strongly_connected(self._graph)
        self._refuse_unnested_cycles(recursive)
        self.shared |= recursive
        for pointer in order:
            if pointer in self.converted:
                continue
            converted = self.node(self.refs.lookup(pointer), split(pointer))
            self.converted[pointer] = converted
            if len(json.dumps(converted, separators=(",", ":"))) > INLINE_LIMIT:
                self.shared.add(pointer)

    def _refuse_unnested_cycles(self, recursive: set[str]) -> None:
        """A schema that reaches itself without descending into the instance (`A = {$ref: B}`,
        `B = {allOf: [{$ref: A}]}`) can never be validated: every validator would loop."""
        same_instance: dict[str, list[str]] = {}
        for pointer in recursive:
            same_instance[pointer] = [
                ref
                for rel, ref in refs_in(self.refs.lookup(pointer))
                if ref in recursive and all(isinstance(p, int) or p in _SAME_INSTANCE for p in rel)
            ]
        _, looping = strongly_connected(same_instance)
        for pointer in sorted(looping):
            self.problems.error(split(pointer), "refers to itself without nesting; it can never be checked")

    def _checked_refs(self, path: list[Any], raw: Any) -> list[str]:
        good = []
        for rel, ref in refs_in(raw):
            try:
                self.refs.lookup(ref)
            except RefError as exc:
                self.problems.error([*path, *rel, "$ref"], str(exc))
                continue
            good.append(ref)
        return good

    # -- converting -------------------------------------------------------------------------------

    def root(self, raw: Any, path: list[Any]) -> Any:
        """A tool-level schema: a top-level `$ref` is inlined one level even when shared."""
        if isinstance(raw, dict) and set(raw) == {"$ref"} and raw["$ref"] in self.converted:
            return self.converted[raw["$ref"]]
        return self.node(raw, path)

    def node(self, raw: Any, path: list[Any]) -> Any:
        if isinstance(raw, bool):
            return raw
        if not isinstance(raw, dict):
            self.problems.error(path, "a schema must be an object")
            return {}
        if "$ref" in raw:
            return self._ref(raw, path)
        out: dict[str, Any] = {}
        self._annotations(raw, out)
        self._type(raw, out, path)
        self._assertions(raw, out, path)
        self._children(raw, out, path)
        self._lossy(raw, path)
        return self._nullable(raw, out)

    def reference(self, pointer: str) -> Any:
        if pointer not in self.converted and pointer not in self._graph:
            return {}  # a broken $ref, already reported
        if pointer in self.shared or pointer not in self.converted:
            return {"$ref": "#/$defs/" + self.def_name(pointer)}
        return self.converted[pointer]

    def _ref(self, raw: dict[str, Any], path: list[Any]) -> Any:
        target = self.reference(raw["$ref"])
        siblings = {k: v for k, v in raw.items() if k != "$ref" and not k.startswith("x-")}
        if not self.openapi31 or not siblings:
            return target  # OpenAPI 3.0: a Reference Object's siblings are ignored
        extra = self.node(siblings, path)
        return {"allOf": [target], **extra} if extra else target

    def _annotations(self, raw: dict[str, Any], out: dict[str, Any]) -> None:
        """Titles, descriptions and examples help a model fill in arguments; results only need checking."""
        if self.direction == "response":
            return
        if isinstance(raw.get("title"), str):
            out["title"] = trim(raw["title"], 200)
        if isinstance(raw.get("description"), str) and raw["description"].strip():
            out["description"] = trim(raw["description"], NESTED_DESCRIPTION_LIMIT)
        if isinstance(raw.get("examples"), list):
            out["examples"] = raw["examples"][:3]
        elif "example" in raw:
            out["examples"] = [raw["example"]]

    def _type(self, raw: dict[str, Any], out: dict[str, Any], path: list[Any]) -> None:
        kind = raw.get("type")
        if kind is None:
            return
        kinds = kind if isinstance(kind, list) else [kind]
        good = [k for k in kinds if k in JSON_TYPES]
        if len(good) != len(kinds):
            self.problems.warn([*path, "type"], f"type {kind!r} is not a JSON Schema type; dropped")
        if good:
            out["type"] = good if isinstance(kind, list) else good[0]

    def _assertions(self, raw: dict[str, Any], out: dict[str, Any], path: list[Any]) -> None:
        for keyword, valid in _COPY.items():
            if keyword not in raw:
                continue
            if valid(raw[keyword]):
                out[keyword] = raw[keyword]
            else:
                self.problems.warn(
                    [*path, keyword], f"{keyword} {raw[keyword]!r} is not a valid value; dropped"
                )
        if isinstance(raw.get("enum"), list) and raw["enum"]:
            out["enum"] = raw["enum"]
        self._bounds(raw, out)
        pattern = raw.get("pattern")
        if isinstance(pattern, str) and self._runnable(pattern, [*path, "pattern"]):
            out["pattern"] = pattern
        required = raw.get("required")
        if isinstance(required, list):
            out["required"] = [r for r in required if isinstance(r, str)]

    def _runnable(self, pattern: str, path: list[Any]) -> bool:
        """Whether the gateway can match this pattern in linear time (RE2; see cockpit.partners.patterns),
        else a warning and the pattern is dropped: the partner's own service still checks its input."""
        why = patterns.why_unsafe(pattern)
        if why is not None:
            self.problems.warn(path, f"pattern {why}; dropped")
        return why is None

    @staticmethod
    def _bounds(raw: dict[str, Any], out: dict[str, Any]) -> None:
        for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            value = raw.get(bound)
            if value is True and limit in out:  # OpenAPI 3.0's boolean form
                out[bound] = out.pop(limit)
            elif _number(value):
                out[bound] = value

    def _children(self, raw: dict[str, Any], out: dict[str, Any], path: list[Any]) -> None:
        properties = raw.get("properties")
        if isinstance(properties, dict):
            out["properties"] = self._properties(properties, out, [*path, "properties"])
        patterns = raw.get("patternProperties")
        if isinstance(patterns, dict):
            out["patternProperties"] = {
                k: self.node(v, [*path, "patternProperties", k])
                for k, v in patterns.items()
                if self._runnable(k, [*path, "patternProperties", k])
            }
        for keyword in _ONE_SCHEMA:
            if keyword in raw:
                if keyword == "items" and isinstance(raw[keyword], list):
                    self.problems.warn([*path, "items"], "tuple-form items are not supported; dropped")
                    continue
                out[keyword] = self.node(raw[keyword], [*path, keyword])
        for keyword in _SCHEMA_LISTS:
            if isinstance(raw.get(keyword), list):
                out[keyword] = [self.node(s, [*path, keyword, i]) for i, s in enumerate(raw[keyword])]

    def _properties(self, properties: dict[str, Any], out: dict[str, Any], path: list[Any]) -> dict[str, Any]:
        hidden = "readOnly" if self.direction == "request" else "writeOnly"
        kept = {}
        for name, sub in properties.items():
            if self._flag(sub, hidden):
                continue
            kept[name] = self.node(sub, [*path, name])
        if "required" in out:
            out["required"] = [r for r in out["required"] if r in kept]
            if not out["required"]:
                del out["required"]
        return kept

    def _flag(self, raw: Any, flag: str) -> bool:
        if isinstance(raw, dict) and "$ref" in raw and flag not in raw:
            try:
                raw = self.refs.lookup(raw["$ref"])
            except RefError:
                return False
        return isinstance(raw, dict) and raw.get(flag) is True

    def _lossy(self, raw: dict[str, Any], path: list[Any]) -> None:
        for keyword in _LOSSY:
            if keyword in raw:
                self.problems.warn([*path, keyword], f"{keyword} is not supported; dropped (less strict)")

    def _nullable(self, raw: dict[str, Any], out: dict[str, Any]) -> Any:
        if raw.get("nullable") is not True:
            return out
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif isinstance(kind, list):
            out["type"] = [*kind, "null"] if "null" not in kind else kind
        elif set(out) - _ANNOTATIONS:  # something null might fail (annotations alone allow it already)
            return {"anyOf": [out, {"type": "null"}]}
        return out

    # -- $defs --------------------------------------------------------------------------------------

    def def_name(self, pointer: str) -> str:
        name = self._def_names.get(pointer)
        if name is None:
            base = _DEF_NAME.sub("_", split(pointer)[-1] if pointer != "#" else "root")[:60] or "schema"
            name, n = base, 2
            taken = set(self._def_names.values())
            while name in taken:
                name, n = f"{base}_{n}", n + 1
            self._def_names[pointer] = name
        return name

    def with_defs(self, schema: dict[str, Any]) -> dict[str, Any]:
        """`schema` with the `$defs` it (transitively) refers to, each converted once."""
        by_name = {name: pointer for pointer, name in self._def_names.items()}
        needed: dict[str, Any] = {}
        frontier = [ref for _p, ref in refs_in(schema)]
        while frontier:
            ref = frontier.pop()
            name = ref.removeprefix("#/$defs/") if isinstance(ref, str) else ""
            if name in needed or name not in by_name:
                continue
            needed[name] = self.converted.get(by_name[name], {})
            frontier.extend(r for _p, r in refs_in(needed[name]))
        if not needed:
            return schema
        return {**schema, "$defs": dict(sorted(needed.items()))}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
