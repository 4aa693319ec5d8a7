"""Logs, metrics and traces: Powertools, created on first use, once per container.

Logs are JSON with a correlation id. They never carry tokens, secrets or exact coordinates: the
redacting formatter drops such keys wherever they appear in a log record's extra fields.
The X-Ray Tracer is imported only when tracing is on (its import alone costs about half a second).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

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
        "location",
        "coordinates",
        "client_secret",
        "arguments",
    }
)


def redact(value: Any) -> Any:
    """A copy of `value` with sensitive keys masked, at any depth."""
    if isinstance(value, dict):
        return {k: "***" if str(k).lower() in SENSITIVE_KEYS else redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


def _serialize(record: dict[str, Any]) -> str:
    return json.dumps(redact(record), default=str, separators=(",", ":"), ensure_ascii=False)


@cache
def logger() -> Logger:
    return Logger(use_rfc3339=True, json_serializer=_serialize)


@cache
def metrics() -> Metrics:
    return Metrics()


def tracing_enabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "true").lower() == "false"


@cache
def tracer() -> Any:
    """The X-Ray tracer, or None when tracing is off (its import is never paid then)."""
    if not tracing_enabled():
        return None
    from aws_lambda_powertools import Tracer

    return Tracer()


@contextmanager
def tool_metrics(tool: str) -> Iterator[dict[str, Any]]:
    """Invocations, latency and errors per tool, as one EMF record with a `tool` dimension."""
    outcome: dict[str, Any] = {"error": False}
    started = time.perf_counter()
    try:
        yield outcome
    except Exception:
        outcome["error"] = True
        raise
    finally:
        elapsed_ms = (time.perf_counter() - started) * 1000
        one = EphemeralMetrics(namespace=metrics().namespace, service=metrics().service)
        one.add_dimension(name="tool", value=tool)
        one.add_metric(name="ToolInvocations", unit=MetricUnit.Count, value=1)
        one.add_metric(name="ToolLatency", unit=MetricUnit.Milliseconds, value=elapsed_ms)
        one.add_metric(name="ToolErrors", unit=MetricUnit.Count, value=1 if outcome["error"] else 0)
        one.flush_metrics()
