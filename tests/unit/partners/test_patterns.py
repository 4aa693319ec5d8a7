"""Partner `pattern`s run on RE2 (linear time) and only on strings of bounded length, for arguments and
for partner answers alike; what RE2 cannot run is dropped at registration and refused at call time."""

from __future__ import annotations

from typing import Any

import pytest

from cockpit.errors import UpstreamError, ValidationFailed
from cockpit.partners import patterns
from cockpit.partners.catalog import PartnerCatalog, reads_alike
from cockpit.partners.model import PartnerTool
from cockpit.tools.catalog import first_party
from tests.support.partners import FakePartnerToolSource, parking_tools

HOSTILE = "^(a+)+$"  # exponential on a backtracking engine: 30 characters would hold `re` for minutes


def tool_with(
    schema: dict[str, Any], out: dict[str, Any] | None = None
) -> tuple[PartnerCatalog, PartnerTool]:
    (tool, *_) = parking_tools("https://api.acme-parking.example/v2", signing_arn="sign")
    spec = tool.spec.model_copy(update={"input_schema": schema, "output_schema": out})
    tool = tool.model_copy(update={"spec": spec})
    return PartnerCatalog(first_party(), FakePartnerToolSource([tool])), tool


def string_arg(pattern: str) -> dict[str, Any]:
    return {"type": "object", "properties": {"s": {"type": "string", "pattern": pattern}}}


def test_a_hostile_pattern_refuses_a_thirty_character_argument_by_pointer() -> None:
    cat, tool = tool_with(string_arg(HOSTILE))
    with pytest.raises(ValidationFailed) as refused:
        cat.resolve(tool.spec.name, None).check_arguments({"s": "a" * 30 + "!"})
    assert [e.pointer for e in refused.value.errors] == ["/arguments/s"]
    cat.resolve(tool.spec.name, None).check_arguments({"s": "a" * 30})


def test_a_hostile_pattern_in_the_output_schema_refuses_a_partner_answer() -> None:
    out = {"type": "object", "properties": {"code": {"type": "string", "pattern": HOSTILE}}}
    cat, tool = tool_with({"type": "object"}, out)
    with pytest.raises(ValueError, match="/code"):
        cat.resolve(tool.spec.name, None).check_result({"code": "a" * 30 + "!"})
    cat.resolve(tool.spec.name, None).check_result({"code": "aaa"})


def test_strings_longer_than_the_cap_are_refused_before_matching_in_arguments_and_answers() -> None:
    long = "a" * (patterns.MAX_MATCHED_CHARS + 1)
    cat, tool = tool_with(string_arg("^a+$"), {"type": "object", "properties": {"c": {"pattern": "^a+$"}}})
    with pytest.raises(ValidationFailed, match="schema") as refused:
        cat.resolve(tool.spec.name, None).check_arguments({"s": long})
    assert refused.value.errors[0].pointer == "/arguments/s"
    assert "longer than 4096" in refused.value.errors[0].message
    with pytest.raises(ValueError, match="longer than 4096"):
        cat.resolve(tool.spec.name, None).check_result({"c": long})
    cat.resolve(tool.spec.name, None).check_arguments({"s": long[:-1]})  # at the cap: matched


def test_pattern_properties_and_additional_properties_match_names_with_re2() -> None:
    schema = {
        "type": "object",
        "properties": {"tags": {"type": "object", "patternProperties": {HOSTILE: {"type": "integer"}},
                                "additionalProperties": False}},
    }  # fmt: skip
    cat, tool = tool_with(schema)
    cat.resolve(tool.spec.name, None).check_arguments({"tags": {"aaaa": 1}})
    with pytest.raises(ValidationFailed) as refused:
        cat.resolve(tool.spec.name, None).check_arguments({"tags": {"a" * 30 + "!": 1, "aa": "x"}})
    assert sorted(e.pointer for e in refused.value.errors) == ["/arguments/tags", "/arguments/tags/aa"]


def test_a_stored_pattern_re2_cannot_run_makes_the_tool_unavailable_never_backtracks() -> None:
    cat, tool = tool_with(string_arg(r"^(a)\1$"))  # a back-reference: only a backtracking engine runs it
    with pytest.raises(UpstreamError, match="linear time"):
        cat.resolve(tool.spec.name, None).check_arguments({"s": "aa"})


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"^(?=a)a$", "linear time"),  # look-ahead
        (r"(x)\1", "linear time"),  # back-reference
        ("a" * (patterns.MAX_PATTERN_CHARS + 1), "longer than"),
    ],
)
def test_patterns_the_engine_cannot_run_are_named(pattern: str, why: str) -> None:
    assert why in (patterns.why_unsafe(pattern) or "")


def test_ecma_style_patterns_partners_use_run_on_re2() -> None:
    for pattern, text in [(r"^\d{4}-\d{2}$", "2026-12"), (r"^[A-Z]{3}$", "CNY"), (r"^\p{L}+$", "停车场"),
                          (HOSTILE, "aaaa"), (r"^(?<y>\d{4})$", "2026")]:  # fmt: skip
        assert patterns.why_unsafe(pattern) is None and patterns.search(pattern, text), pattern


def test_a_patterned_partner_schema_never_takes_the_compiled_fast_path() -> None:
    # fastjsonschema compiles `pattern` onto Python's backtracking `re`.
    assert reads_alike({"type": "string", "pattern": "^a$"}) is False
    assert reads_alike({"type": "object", "patternProperties": {"^a$": {}}}) is False
    assert reads_alike({"type": "object", "properties": {"a": {"type": "string"}}}) is True
