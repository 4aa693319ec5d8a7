"""Logs are JSON with a correlation id and never carry tokens, secrets or the vehicle's exact position."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from charging.handler import lambda_handler as charging
from cockpit.observability import logger, redact
from cockpit_dev.template import Template
from router.handler import lambda_handler as router
from tests.support import events as ev

SECRET_SPOT = {"lat": 31.23047777, "lon": 121.47371111}


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """What the functions' JSON logger writes (its handler keeps the stream it was made with)."""
    buffer = io.StringIO()
    handler = logger().registered_handler
    old = handler.setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    handler.setStream(old)  # type: ignore[attr-defined]


def test_a_full_flow_logs_no_token_and_no_position(
    gateway: Template, logs: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = ev.body(
        router(ev.invoke("charging_start_session", {"station_id": "CN-SHA-0001"}, key="k1"), None)
    )
    token = asked["confirmation"]["token"]
    router(
        ev.invoke(
            "charging_start_session",
            {"station_id": "CN-SHA-0001"},
            key="k1",
            body={"confirmation_token": token},
        ),
        None,
    )
    router(
        ev.invoke(
            "charging_start_session",
            {"station_id": "CN-SHA-0001"},
            key="k2",
            body={"confirmation_token": token},
        ),
        None,
    )  # refused: logged, token must not be
    router(ev.invoke("charging_find_stations", {"location": SECRET_SPOT}), None)
    router(ev.invoke("charging_find_stations", {"location": {"lat": 91, "lon": 0}}), None)
    charging(ev.sample("charging/ocpi_command_result.json"), None)  # bad OCPI token: refused and logged
    logged = logs.getvalue() + capsys.readouterr().out  # logs, and metrics (EMF on stdout)
    assert '"level":"INFO"' in logged and "ToolInvocations" in logged
    assert token not in logged
    assert "31.2304" not in logged and "121.4737" not in logged
    for line in logged.splitlines():
        if '"level"' in line:
            record = json.loads(line)
            assert record.get("correlation_id"), line


def test_sensitive_fields_are_masked_wherever_they_are() -> None:
    record = {"message": "x", "extra": {"Authorization": "Bearer abc", "nested": [{"lat": 1.5, "ok": 2}]}}
    assert redact(record) == {
        "message": "x",
        "extra": {"Authorization": "***", "nested": [{"lat": "***", "ok": 2}]},
    }


def test_the_logger_masks_extra_fields(logs: io.StringIO) -> None:
    logger().info("where", extra={"vehicle": {"coordinates": SECRET_SPOT}, "token": "ct_secret"})
    line = logs.getvalue()
    assert "ct_secret" not in line and "31.2304" not in line
    record = json.loads(line)
    assert record["vehicle"] == {"coordinates": "***"} and record["token"] == "***"
    assert record["location"].startswith("test_the_logger_masks_extra_fields")  # Powertools' own field


def test_crashes_are_logged_without_the_values_in_their_message(logs: io.StringIO) -> None:
    from cockpit.observability import log_crash

    try:
        raise ValueError(f"input_value={SECRET_SPOT}")
    except ValueError as exc:
        log_crash("tool crashed", exc, tool="charging_find_stations")
    record = json.loads(logs.getvalue())
    assert record["error_type"] == "ValueError" and record["stack"]
    assert "31.2304" not in logs.getvalue()
