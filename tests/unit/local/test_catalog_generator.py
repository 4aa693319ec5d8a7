"""`make catalog`'s schema rules (cockpit_dev.catalog), on small models of their own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import AnyUrl, AwareDatetime, BaseModel, ConfigDict, Field

from cockpit_dev.catalog import RFC3339, schema_of


class Inner(BaseModel):
    """A developer's note, not published."""

    model_config = ConfigDict(extra="forbid")

    n: int = Field(ge=1, description="how many")


class Arguments(BaseModel):
    """Not published either."""

    model_config = ConfigDict(extra="forbid")

    inner: Inner = Field(description="the inner one")
    maybe: Inner | None = Field(default=None, description="left out or given")
    label: str | None = None
    at: AwareDatetime | None = None
    size: int = 3


class Result(BaseModel):
    inner: Inner
    note: str | None = None
    kept: str | None
    count: int = 0
    at: datetime
    extra: dict[str, Any] | None = None


def test_arguments_are_flat_plain_and_never_null() -> None:
    schema = schema_of(Arguments, "validation")
    assert schema == {
        "additionalProperties": False,
        "properties": {
            "inner": {
                "additionalProperties": False,
                "properties": {"n": {"description": "how many", "minimum": 1, "type": "integer"}},
                "required": ["n"],
                "type": "object",
                "description": "the inner one",
            },
            "maybe": {
                "additionalProperties": False,
                "properties": {"n": {"description": "how many", "minimum": 1, "type": "integer"}},
                "required": ["n"],
                "type": "object",
                "description": "left out or given",
            },
            "label": {"type": "string"},
            "at": {"type": "string", "pattern": RFC3339},
            "size": {"default": 3, "type": "integer"},
        },
        "required": ["inner"],
        "type": "object",
    }
    check = Draft202012Validator(schema)
    assert check.is_valid({"inner": {"n": 1}, "at": "2026-12-05T08:00:00+08:00"})
    assert not check.is_valid({"inner": {"n": 1}, "label": None})
    assert not check.is_valid({"inner": {"n": 1}, "at": "2026-12-05T08:00:00"})


def test_results_require_what_is_always_sent() -> None:
    schema = schema_of(Result, "serialization")
    assert schema["required"] == ["inner", "count", "at"]
    assert schema["properties"]["note"] == {"type": ["string", "null"]}
    assert schema["properties"]["kept"] == {"type": ["string", "null"]}
    assert schema["properties"]["count"] == {"type": "integer"}  # no default in a result
    assert schema["properties"]["at"] == {"type": "string"}
    assert schema["properties"]["extra"] == {"type": ["object", "null"]}
    sent = Result(inner=Inner(n=2), kept=None, at=datetime(2026, 12, 5)).model_dump(
        mode="json", exclude_none=True
    )
    assert Draft202012Validator(schema).is_valid(sent)
    assert not Draft202012Validator(schema).is_valid({k: v for k, v in sent.items() if k != "count"})


def test_a_format_without_a_rule_is_refused() -> None:
    class Link(BaseModel):
        url: AnyUrl

    with pytest.raises(ValueError, match="no catalog rule for format 'uri'"):
        schema_of(Link, "validation")
