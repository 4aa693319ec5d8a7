"""`$ref` inside one document: JSON Pointer lookup, chains followed, external and dangling refs reported,
and the reference graph between schemas (which ones are recursive, in which order to convert them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from registry.compiler.problems import Problems

MAX_CHAIN = 32


class RefError(Exception):
    """A `$ref` that cannot be followed (external, dangling, or an endless chain)."""


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def split(pointer: str) -> list[str]:
    return [unescape(t) for t in pointer[2:].split("/")] if pointer != "#" else []


class Refs:
    def __init__(self, doc: dict[str, Any], problems: Problems) -> None:
        self.doc = doc
        self.problems = problems
        self._lookups: dict[str, Any] = {}

    def lookup(self, ref: Any) -> Any:
        """The node `ref` points at, or RefError saying why not."""
        if not isinstance(ref, str):
            raise RefError("$ref must be a string")
        if ref in self._lookups:
            return self._lookups[ref]
        if not ref.startswith("#"):
            raise RefError(f"$ref {ref!r} points outside the document; inline it (only '#/...' refs)")
        if ref != "#" and not ref.startswith("#/"):
            raise RefError(f"$ref {ref!r} is not a JSON Pointer ('#/components/...')")
        node: Any = self.doc
        for token in split(ref):
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise RefError(f"$ref {ref!r} points at nothing (no {token!r})")
        self._lookups[ref] = node
        return node

    def follow(self, node: Any, path: list[Any]) -> tuple[Any, str | None]:
        """A non-schema object (parameter, request body, response) with its `$ref` chain followed;
        (None, None) after reporting a broken chain at `path`."""
        seen: list[str] = []
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen or len(seen) >= MAX_CHAIN:
                self.problems.error([*path, "$ref"], f"$ref chain loops or is too long: {' → '.join(seen)}")
                return None, None
            try:
                node = self.lookup(ref)
            except RefError as exc:
                self.problems.error([*path, "$ref"], str(exc))
                return None, None
            seen.append(ref)
        return node, (seen[-1] if seen else None)


_DATA_KEYWORDS = frozenset({"example", "examples", "default", "const", "enum"})
# Maps whose keys are names (a property called "default" is still a schema), not keywords.
_NAME_MAPS = frozenset(
    {
        "properties",
        "patternProperties",
        "$defs",
        "definitions",
        "schemas",
        "responses",
        "parameters",
        "requestBodies",
        "headers",
        "content",
        "callbacks",
        "paths",
        "links",
        "securitySchemes",
    }
)


def refs_in(node: Any) -> Iterator[tuple[list[Any], Any]]:
    """Every `$ref` value in a subtree (not inside examples or default values), with its relative path.
    Iterative: no recursion limit on deep documents."""
    stack: list[tuple[list[Any], Any, bool]] = [([], node, False)]
    while stack:
        path, current, names = stack.pop()
        if isinstance(current, dict):
            if "$ref" in current and not names:
                yield path, current["$ref"]
            for key, value in current.items():
                if isinstance(value, dict | list) and (names or key not in _DATA_KEYWORDS):
                    stack.append(([*path, key], value, not names and key in _NAME_MAPS))
        elif isinstance(current, list):
            stack.extend(([*path, i], v, False) for i, v in enumerate(current) if isinstance(v, dict | list))


def strongly_connected(graph: dict[str, list[str]]) -> tuple[list[str], set[str]]:
    """Every node in dependency order (a node after what it refers to), and the nodes on a cycle
    (recursive schemas). Tarjan's algorithm, iteratively: no recursion limit on deep graphs."""
    tarjan = _Tarjan(graph)
    for root in graph:
        if root not in tarjan.index:
            tarjan.visit(root)
    return tarjan.order, tarjan.recursive


class _Tarjan:
    def __init__(self, graph: dict[str, list[str]]) -> None:
        self.graph = graph
        self.index: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.stack: list[str] = []
        self.on_stack: set[str] = set()
        self.order: list[str] = []
        self.recursive: set[str] = set()

    def visit(self, root: str) -> None:
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                self.index[node] = self.low[node] = len(self.index)
                self.stack.append(node)
                self.on_stack.add(node)
            edges = self.graph.get(node, [])
            if i < len(edges):
                work.append((node, i + 1))
                nxt = edges[i]
                if nxt not in self.index:
                    work.append((nxt, 0))
                elif nxt in self.on_stack:
                    self.low[node] = min(self.low[node], self.index[nxt])
                continue
            self.finish(node, edges)

    def finish(self, node: str, edges: list[str]) -> None:
        for nxt in edges:
            if nxt in self.on_stack:
                self.low[node] = min(self.low[node], self.low[nxt])
        if self.low[node] != self.index[node]:
            return
        component: list[str] = []
        while True:
            member = self.stack.pop()
            self.on_stack.discard(member)
            component.append(member)
            if member == node:
                break
        self.order.extend(component)
        if len(component) > 1 or node in self.graph.get(node, []):
            self.recursive.update(component)
