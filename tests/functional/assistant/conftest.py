"""The assistant over one in-process AWS (moto), with the charging function behind Lambda Invoke."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cockpit_dev.template import Template
from tests.support import events
from tests.support.aws import aws_from_template

HERE = {"lat": 31.2304, "lon": 121.4737}
CAR = {
    "location": HERE,
    "battery_percent": 23,
    "range_km": 80,
    "connectors": ["GB_T_DC", "CCS2"],
    "heading_deg": 90,
}


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[Template]:
    with aws_from_template(monkeypatch, "AssistantFunction", "ChargingFunction") as template:
        yield template


@pytest.fixture
def everything(monkeypatch: pytest.MonkeyPatch) -> Iterator[Template]:
    """The assistant with every first-party function behind it."""
    functions = (
        "AssistantFunction",
        "ChargingFunction",
        "NavigationFunction",
        "BookingFunction",
        "PaymentsFunction",
    )
    with aws_from_template(monkeypatch, *functions) as template:
        yield template


Call = Callable[..., dict[str, Any]]


def call(method: str, resource: str, **kw: Any) -> dict[str, Any]:
    from assistant.handler import lambda_handler

    headers = {"Content-Type": "application/json", **kw.pop("headers", {})}
    return lambda_handler(events.api(method, resource, headers=headers, **kw), None)  # type: ignore[no-any-return]


def new_session(sub: str = "vin-test-1", **body: Any) -> str:
    out = call("POST", "/v1/sessions", body={"locale": "en-US", "vehicle": CAR, **body}, sub=sub)
    assert out["statusCode"] == 201, out
    return str(json.loads(out["body"])["session_id"])


def turn(session_id: str, sub: str = "vin-test-1", **body: Any) -> dict[str, Any]:
    return call(
        "POST", "/v1/sessions/{session_id}/turns", path_params={"session_id": session_id}, body=body, sub=sub
    )


def ok(response: dict[str, Any]) -> dict[str, Any]:
    assert response["statusCode"] == 200, response
    return json.loads(response["body"])  # type: ignore[no-any-return]
