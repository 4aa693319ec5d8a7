"""Logs, metrics and traces, created on first use, once per container.

Logs are JSON with a correlation id. They never carry tokens, secrets or exact coordinates: the
redacting formatter drops such keys wherever they appear in a log record's extra fields.
The X-Ray Tracer is imported only when tracing is on (its import alone costs about half a second).
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import Field

from cockpit import snapstart  # noqa: F401 - registers the SnapStart restore hook; every entry point imports this module
from cockpit.settings import EnvSettings, get_settings, per_container

SENSITIVE_KEYS = frozenset(
    {
        "authorization",
        "token",
        "authorizationtoken",
        "confirmation_token",
        "secret",
        "password",
        "api_key",
        "lat",
        "lon",
        "coordinates",
        "client_secret",
        "arguments",
    }
)


def _sensitive(key: Any, value: Any) -> bool:
    name = str(key).lower()
    # Powertools' own "location" is the code location ("func:line"); a place is a mapping.
    return name in SENSITIVE_KEYS or (name == "location" and not isinstance(value, str))


def redact(value: Any) -> Any:
    """A copy of `value` with sensitive keys masked, at any depth."""
    if isinstance(value, dict):
        return {k: "***" if _sensitive(k, v) else redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


def _serialize(record: dict[str, Any]) -> str:
    return json.dumps(redact(record), default=str, separators=(",", ":"), ensure_ascii=False)


@cache
def logger() -> Logger:
    return Logger(use_rfc3339=True, json_serializer=_serialize)


def log_crash(message: str, exc: BaseException, **extra: Any) -> None:
    """Log an unexpected error by type and stack only: exception texts can quote input values
    (pydantic's do), and those may be coordinates or tokens."""
    stack = [
        f"{frame.filename}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(exc.__traceback__)
    ]
    logger().error(message, extra={"error_type": type(exc).__name__, "stack": stack[-8:], **extra})


class ObservabilitySettings(EnvSettings):
    namespace: str = Field(alias="POWERTOOLS_METRICS_NAMESPACE", min_length=1)
    service: str = Field(default="cockpit", alias="POWERTOOLS_SERVICE_NAME")
    trace_disabled: bool = Field(default=True, alias="POWERTOOLS_TRACE_DISABLED")


@per_container
def tracer() -> Any:
    """The X-Ray tracer (it patches boto3 and httpx as it is made), or None when tracing is off: then
    its import, about half a second, is never paid. Every entry point calls this once per container."""
    if get_settings(ObservabilitySettings).trace_disabled:
        return None
    from aws_lambda_powertools import Tracer

    return Tracer()


class ToolMetrics:
    """Per-tool metrics as CloudWatch Embedded Metric Format records on stdout.

    The EMF record is assembled from a prefix built once per tool: Powertools' Metrics costs about
    45 µs a call on the hot path (unit validation, an environment lookup per flush, generic
    serialization), ten times a raw handler; this costs about 2 µs and writes the same record.
    """

    UNITS = (("ToolInvocations", "Count"), ("ToolLatency", "Milliseconds"), ("ToolErrors", "Count"))

    def __init__(self, namespace: str, service: str) -> None:
        self.namespace = namespace
        self.service = service
        self._middles: dict[str, str] = {}

    def _middle(self, tool: str) -> str:
        found = self._middles.get(tool)
        if found is None:
            directive = {
                "Namespace": self.namespace,
                "Dimensions": [["service", "tool"]],
                "Metrics": [{"Name": name, "Unit": unit} for name, unit in self.UNITS],
            }
            labels = json.dumps({"service": self.service, "tool": tool})[1:-1]
            found = self._middles[tool] = f',"CloudWatchMetrics":[{json.dumps(directive)}]}},{labels},'
        return found

    def record(self, tool: str, latency_ms: float, failed: bool) -> str:
        return (
            f'{{"_aws":{{"Timestamp":{int(time.time() * 1000)}{self._middle(tool)}'
            f'"ToolInvocations":1,"ToolLatency":{latency_ms:.3f},"ToolErrors":{int(failed)}}}'
        )

    def emit(self, tool: str, latency_ms: float, failed: bool) -> None:
        sys.stdout.write(self.record(tool, latency_ms, failed) + "\n")


@per_container
def tool_metrics_writer() -> ToolMetrics:
    names = get_settings(ObservabilitySettings)
    return ToolMetrics(names.namespace, names.service)


class ToolTimer:
    """Times one tool call and records it (a plain context manager: this is on every call's path)."""

    __slots__ = ("started", "tool")

    def __init__(self, tool: str) -> None:
        self.tool = tool
        self.started = time.perf_counter()

    def __enter__(self) -> ToolTimer:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_rest: object) -> None:
        elapsed_ms = (time.perf_counter() - self.started) * 1000
        tool_metrics_writer().emit(self.tool, elapsed_ms, failed=kind is not None)


def tool_metrics(tool: str) -> ToolTimer:
    """Invocations, latency and errors per tool: one EMF record with a `tool` dimension per call."""
    return ToolTimer(tool)
