"""Tool names: `<namespace>_<operation>` in snake_case, at most 64 characters, never colliding.

Shortening and collisions are settled with hashes of what identifies an operation, so a name depends
on its own operation only (adding an operation elsewhere in the document renames nothing else).
"""

from __future__ import annotations

import hashlib
import re

MAX_NAME = 64
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_OTHER = re.compile(r"[^A-Za-z0-9]+")


def snake(text: str) -> str:
    words = _ACRONYM.sub(r"\1_\2", _CAMEL.sub(r"\1_\2", text))
    return _OTHER.sub("_", words).strip("_").lower() or "operation"


def digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def fit(name: str) -> str:
    """`name`, or a prefix of it plus a hash of the whole, in 64 characters."""
    if len(name) <= MAX_NAME:
        return name
    return name[: MAX_NAME - 9].rstrip("_") + "_" + digest(name, 8)


def operation_label(operation_id: str | None, method: str, path: str) -> str:
    return snake(operation_id) if operation_id else snake(f"{method} {path}")


def tool_names(namespace: str, operations: list[tuple[str | None, str, str]]) -> list[str]:
    """One name per (operationId, method, path), in the same order, all distinct."""
    wanted = [fit(f"{namespace}_{operation_label(oid, m, p)}") for oid, m, p in operations]
    counts: dict[str, int] = {}
    for name in wanted:
        counts[name] = counts.get(name, 0) + 1
    names = []
    for name, (oid, method, path) in zip(wanted, operations, strict=True):
        if counts[name] > 1:
            label = operation_label(oid, method, path)
            name = (
                fit(f"{namespace}_{label}")[: MAX_NAME - 7].rstrip("_") + "_" + digest(f"{method} {path}", 6)
            )
        names.append(name)
    if len(set(names)) != len(names):
        raise ValueError("tool names collide after disambiguation")  # sha-256 prefixes: not expected
    return names
