"""Partner `pattern`s run on RE2, a linear-time engine, and only on strings of bounded length.

A partner's OpenAPI document is untrusted: `^(a+)+$` held Python's backtracking `re` for seconds on a
27-character argument (and on a partner's answer alike). RE2 answers in time linear in the input, and
refuses what needs backtracking (back-references, look-around): such a pattern is dropped with a
warning at registration, and a stored one the engine cannot run makes the tool unavailable (502)
rather than fall back to a backtracking engine. Strings longer than `MAX_MATCHED_CHARS` are refused
before any matching, so linear stays small.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import re2
from jsonschema import Draft202012Validator, ValidationError, validators

MAX_MATCHED_CHARS = 4096  # the longest string a partner pattern is matched against
MAX_PATTERN_CHARS = 2048  # the longest pattern a partner may declare
_MAX_PROGRAM_BYTES = 1 << 20  # RE2's memory budget for one compiled pattern

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is reported to the partner, not logged by the engine
_OPTIONS.max_mem = _MAX_PROGRAM_BYTES


class UnsafePattern(ValueError):
    """A pattern the linear-time engine cannot run (or one too long to accept)."""


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> Any:
    if len(pattern) > MAX_PATTERN_CHARS:
        raise UnsafePattern(f"longer than {MAX_PATTERN_CHARS} characters")
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        raise UnsafePattern(f"not runnable in linear time (RE2: {reason})") from None


def why_unsafe(pattern: str) -> str | None:
    """None when the pattern can be matched safely, else why not (for a registration warning)."""
    try:
        compiled(pattern)
    except UnsafePattern as exc:
        return str(exc)
    return None


def search(pattern: str, text: str) -> bool:
    """JSON Schema's `pattern`: an unanchored search. Callers cap `text` first (`too_long`)."""
    return compiled(pattern).search(text) is not None


def too_long(text: str) -> bool:
    return len(text) > MAX_MATCHED_CHARS


_TOO_LONG = f"is longer than {MAX_MATCHED_CHARS} characters, the most a partner pattern is matched against"


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "string"):
        return
    if too_long(instance):
        yield ValidationError(f"a string that {_TOO_LONG}")
    elif not search(pattern, instance):
        yield ValidationError(f"{instance[:80]!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: dict[str, Any], instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for name, value in instance.items():
        if too_long(name):
            yield ValidationError(f"a property name that {_TOO_LONG}", path=[name])
            continue
        for pattern, subschema in patterns.items():
            if search(pattern, name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """As 2020-12's, with the names `patternProperties` covers found by RE2 (the stock keyword joins the
    patterns and runs them on `re`)."""
    if not validator.is_type(instance, "object"):
        return
    declared, patterns = schema.get("properties", {}), list(schema.get("patternProperties", {}))
    extras = [
        name
        for name in instance
        if name not in declared and not (patterns and not too_long(name) and _any(patterns, name))
    ]
    if validator.is_type(additional, "object"):
        for name in extras:
            yield from validator.descend(instance[name], additional, path=name)
    elif additional is False and extras:
        names = ", ".join(repr(n[:80]) for n in sorted(extras)[:10])
        yield ValidationError(f"Additional properties are not allowed ({names} unexpected)")


def _any(patterns: list[str], name: str) -> bool:
    return any(search(p, name) for p in patterns)


# The 2020-12 validator with every keyword that reads a pattern on RE2 (the others unchanged).
PartnerValidator = validators.extend(
    Draft202012Validator,
    {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
    },
)
