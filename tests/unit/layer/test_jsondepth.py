"""Nesting depth found without a parser (which would recurse per level)."""

from __future__ import annotations

import json

import pytest

from cockpit.jsondepth import MAX_DEPTH, deeper_than


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        (nested(MAX_DEPTH), False),
        (nested(MAX_DEPTH + 1), True),
        (nested(100_000), True),
        ("[" * 100_000, True),  # unclosed: json.loads would recurse all the same
        ('{"a": [1, {"b": "' + "[" * 500 + '"}]}', False),  # brackets inside a string
        ('{"a": "\\"' + "[" * 500 + '"}', False),  # past an escaped quote, still inside
        ('"\\"' * 50_000 + nested(MAX_DEPTH + 1), False),  # an unterminated string swallows the rest
        (json.dumps([{"a": [i, {"b": "x"}]} for i in range(5000)]), False),  # many, shallow
        ("{" + '"k": {' * 200 + "1" + "}" * 200 + "}", True),
    ],
)
def test_depth(text: str, deep: bool) -> None:
    assert deeper_than(text) is deep
    assert deeper_than(text.encode()) is deep
