"""The bench's shared pieces: a Lambda Invoke is put down to the function the template names (an alias
ARN, URL-quoted in the request path, is still "navigation"), and a table prints as markdown with ratios
against its first row. (The smoke round, `make bench-smoke`, runs every scenario.)"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from bench.harness import Table, function_label, timing


@pytest.mark.parametrize(
    "name",
    [
        "NavigationFunction",
        "arn:aws:lambda:us-east-1:123456789012:function:NavigationFunction:live",
        quote("arn:aws:lambda:us-east-1:123456789012:function:NavigationFunction:live", safe=""),
    ],
)
def test_an_invoke_is_counted_for_the_function_the_template_names(name: str) -> None:
    assert function_label(name) == "navigation"


def test_the_contracts_function_is_contracts() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:ContractsFunction:live"
    assert function_label(arn) == "contracts"


def test_a_timing_table_gives_each_row_its_ratio_to_the_first() -> None:
    table = timing("t", [("base", lambda: None), ("same", lambda: None)], rounds=5, warmup=1)
    assert [row[0] for row in table.rows] == ["base", "same"]
    assert table.rows[0][-1] == 1.0
    assert all(row[1] > 0 and row[2] >= row[1] for row in table.rows)


def test_a_table_prints_as_markdown_with_its_notes() -> None:
    rows: list[tuple[str, ...]] = [("read", "router 1")]
    table = Table("DynamoDB calls", ("call", "calls"), rows, notes=["Goal: met"], formats=("",))
    assert table.markdown().splitlines() == [
        "## DynamoDB calls",
        "",
        "| call | calls |",
        "|---|---|",
        "| read | router 1 |",
        "",
        "Goal: met",
    ]
