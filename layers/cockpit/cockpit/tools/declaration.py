"""A tool declared once, next to the function that serves it: its typed argument and result models and what
the catalog says about it. `make catalog` turns the declarations into the JSON contracts
this layer ships (cockpit/catalog/*.json): the layer reads that JSON and never imports a function.

Text the caller and the model see lives in one place each: the tool's `description` here, each argument's and
result field's in its model (`Field(description=...)`). Class docstrings are notes for developers and are not
published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel

from cockpit.tools.model import Effect, Role

A = TypeVar("A", bound=BaseModel)
R = TypeVar("R", bound=BaseModel)


@dataclass(frozen=True)
class ToolDeclaration(Generic[A, R]):
    """One tool. `target` is where the gateway sends it: `lambda:<domain>` or `gateway:<name>`."""

    name: str
    title: str
    description: str
    arguments: type[A]
    result: type[R]
    effect: Effect
    target: str
    requires_confirmation: bool = False
    # MCP annotations for changes (see ToolSpec): `destructive` when it removes, ends or replaces something,
    # `idempotent` when repeating it with the same arguments changes nothing more. Left unset for reads.
    destructive: bool | None = None
    idempotent: bool | None = None
    roles: tuple[Role, ...] = field(default=(Role.VEHICLE,))
    # completes asynchronously: answers `accepted` with an operation to follow
    long_running: bool = False
