"""Metrics records are valid CloudWatch EMF; the X-Ray tracer costs nothing unless tracing is on."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from cockpit.observability import ToolMetrics


def test_tool_metrics_record_is_embedded_metric_format() -> None:
    record = json.loads(ToolMetrics("CockpitGateway", "router").record("charging_find_stations", 12.5, True))
    (directive,) = record["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "CockpitGateway"
    assert directive["Dimensions"] == [["service", "tool"]]
    names = {m["Name"]: m["Unit"] for m in directive["Metrics"]}
    assert names == {"ToolInvocations": "Count", "ToolLatency": "Milliseconds", "ToolErrors": "Count"}
    assert isinstance(record["_aws"]["Timestamp"], int)
    assert (record["service"], record["tool"]) == ("router", "charging_find_stations")
    assert (record["ToolInvocations"], record["ToolLatency"], record["ToolErrors"]) == (1, 12.5, 1)


def tracer_state(trace_disabled: str) -> tuple[str, bool]:
    code = (
        "import sys, json; import router.handler, charging.handler, authorizer.handler; "
        "from cockpit.observability import tracer; t = tracer(); "
        "print(json.dumps([type(t).__name__, 'aws_xray_sdk' in sys.modules]))"
    )
    env = dict(os.environ, POWERTOOLS_TRACE_DISABLED=trace_disabled, POWERTOOLS_METRICS_NAMESPACE="x")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    kind, imported = json.loads(out.stdout)
    return kind, imported


def test_tracer_is_not_even_imported_when_tracing_is_off() -> None:
    assert tracer_state("true") == ("NoneType", False)


def test_tracer_is_made_when_tracing_is_on() -> None:
    assert tracer_state("false") == ("Tracer", True)
