"""The operations of a document: found under `paths`, identified, selected by the partner's list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.compiler.problems import Problems
from registry.compiler.refs import Refs

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str
    raw: dict[str, Any]
    where: tuple[Any, ...]  # ("paths", path, method)
    path_parameters: tuple[Any, ...]  # the Path Item's own parameters
    operation_id: str | None

    @property
    def key(self) -> str:
        """How the partner and the registry name it: the operationId, else "METHOD /path"."""
        return self.operation_id or f"{self.method} {self.path}"


def find(doc: dict[str, Any], refs: Refs, problems: Problems) -> list[Operation]:
    """Every operation, in document order; duplicate operationIds reported."""
    found: list[Operation] = []
    first_seen: dict[str, str] = {}
    for path, item in doc["paths"].items():
        if not path.startswith("/"):
            problems.error(["paths", path], "a path must start with '/'")
            continue
        resolved, _ = refs.follow(item, ["paths", path])
        if not isinstance(resolved, dict):
            problems.error(["paths", path], "a Path Item must be an object")
            continue
        shared = resolved.get("parameters") or []
        for method in METHODS:
            raw = resolved.get(method)
            if raw is None:
                continue
            where = ("paths", path, method)
            if not isinstance(raw, dict):
                problems.error(where, "an Operation must be an object")
                continue
            oid = raw.get("operationId")
            if oid is not None and (not isinstance(oid, str) or not oid.strip()):
                problems.error([*where, "operationId"], "operationId must be a non-empty string")
                oid = None
            if oid is not None and oid in first_seen:
                problems.error(
                    [*where, "operationId"], f"duplicate operationId {oid!r} (also at {first_seen[oid]})"
                )
            elif oid is not None:
                first_seen[oid] = problems.pointer(where)
            params = tuple(shared) if isinstance(shared, list) else ()
            found.append(Operation(method.upper(), path, raw, where, params, oid))
    return found


def select(
    operations: list[Operation],
    wanted: list[str] | None,
    confirm: list[str],
    max_operations: int,
    problems: Problems,
) -> list[Operation]:
    """The operations the partner chose (all when `wanted` is None), at most `max_operations`."""
    by_key: dict[str, Operation] = {}
    for op in operations:
        by_key[op.key] = op
        by_key.setdefault(f"{op.method} {op.path}", op)
    if wanted is None:
        chosen = operations
        if len(chosen) > max_operations:
            problems.error_at(
                "/operations",
                f"the document has {len(chosen)} operations; list at most "
                f"{max_operations} of them in operations",
            )
    else:
        chosen = []
        for i, key in enumerate(wanted):
            match = by_key.get(_normal(key))
            if match is None:
                problems.error_at(f"/operations/{i}", f"no operation {key!r} in the document")
            elif match not in chosen:
                chosen.append(match)
        if len(chosen) > max_operations:
            problems.error_at("/operations", f"{len(chosen)} operations chosen; at most {max_operations}")
    keys = {op.key for op in chosen} | {f"{op.method} {op.path}" for op in chosen}
    for i, key in enumerate(confirm):
        if _normal(key) not in keys:
            problems.error_at(f"/confirmation_required/{i}", f"{key!r} is not one of the selected operations")
    return chosen


def _normal(key: str) -> str:
    method, _, path = key.partition(" ")
    if path.startswith("/") and method.lower() in METHODS:
        return f"{method.upper()} {path}"
    return key


def confirmed(op: Operation, confirm: list[str]) -> bool:
    wanted = {_normal(k) for k in confirm}
    return op.key in wanted or f"{op.method} {op.path}" in wanted
