"""The tool catalog: first-party tool contracts (cockpit/catalog/*.json), resolved with their compiled
checks and targets (`resolve`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Any

from cockpit.errors import ToolNotFound
from cockpit.tools.model import Caller, Role, ToolSpec
from cockpit.tools.resolved import ResolvedTool, TargetResolver, ToolChecks, target_of


class Catalog:
    def __init__(self, tools: Iterable[ToolSpec]) -> None:
        self._tools: dict[str, ToolSpec] = {}
        for tool in tools:
            if tool.name in self._tools:
                raise ValueError(f"tool {tool.name} is defined twice")
            self._tools[tool.name] = tool
        # One set of checks per tool, compiled on its first call: a first-party contract never changes.
        self._checks: dict[str, ToolChecks] = {name: ToolChecks.of(t) for name, t in self._tools.items()}
        # The resolved first-party tools for the targets last asked with (a container has one set): the
        # warm path is one dict lookup and the role check. One tuple, replaced whole, never half-updated.
        self._resolved: tuple[TargetResolver | None, dict[str, ResolvedTool]] = (None, {})

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def get(self, name: str) -> ToolSpec | None:
        return self._tools.get(name)

    def resolve(
        self, name: str, caller: Caller | None, targets: TargetResolver | None = None
    ) -> ResolvedTool:
        """The tool of that name this caller may call — its contract, compiled checks and target — or 404.
        `caller` None: no role check (the gateway's own checks of its contracts); `targets` None: the
        tool's target answers a configuration error (nothing is called)."""
        found = self._first_party(name, caller, targets)
        if found is None:
            raise ToolNotFound(f"there is no tool {name!r} for this caller")
        return found

    def _first_party(
        self, name: str, caller: Caller | None, targets: TargetResolver | None
    ) -> ResolvedTool | None:
        """The first-party tool of that name resolved with `targets` (None: no such tool); 404 when the
        caller's role may not call it."""
        bound_to, resolved = self._resolved
        if bound_to is not targets:
            resolved = {}
            self._resolved = (targets, resolved)
        found = resolved.get(name)
        if found is None:
            spec = self._tools.get(name)
            if spec is None:
                return None
            found = resolved[name] = ResolvedTool(spec, self._checks[name], target_of(spec, targets))
        if caller is not None and caller.role not in found.spec.roles:
            raise ToolNotFound(f"there is no tool {name!r} for this caller")
        return found

    def visible_to(self, role: Role) -> list[ToolSpec]:
        """The first-party tools this role may call (api.md: "the tools the caller may use")."""
        return [t for t in self._tools.values() if role in t.roles]

    def visible_for(self, caller: Caller) -> list[ToolSpec]:
        """Every tool this caller may call; a catalog with partner tools adds the caller's share of them."""
        return self.visible_to(caller.role)


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
