"""Navigation behind the router: the router, navigation and charging functions over one in-process AWS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cockpit_dev.template import Template
from tests.support.aws import aws_from_template, snapshot

FUNCTIONS = ("RouterFunction", "ChargingFunction", "NavigationFunction")


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[Template]:
    with aws_from_template(monkeypatch, *FUNCTIONS) as template:
        yield template


@pytest.fixture
def unchanged(gateway: Template) -> Iterator[None]:
    """Asserts at the end of the test that no table changed."""
    before = snapshot(gateway)
    yield
    assert snapshot(gateway) == before


def tool_event(tool: str, arguments: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """A ToolInvocation event as the dispatcher sends it (the assistant's path carries `vehicle`)."""
    return {
        "kind": "tool_invocation",
        "invocation_id": "inv-test",
        "tool": tool,
        "arguments": arguments,
        "caller": {"sub": kw.pop("sub", "vin-test-1"), "role": "vehicle"},
        **kw,
    }
