"""The local runtime's console: every log line of `cockpit run` (its own, the API's, and what each
function worker prints) goes through `emit`, rendered for a person by default or as JSON lines.

Functions log JSON in Lambda and keep doing so here; only how the console shows it changes. Human
form: `[charging] INFO session started reason=...`, metrics (EMF) as `[charging] metrics Name=1`,
a function's plain lines as they are. JSON form (`--log-format json` or COCKPIT_LOG_FORMAT=json): one
object per line with `source`, the function's own fields kept as they are.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any, TextIO

FORMATS = ("human", "json")
# Powertools' standard keys: shown by the human form as level and message, or not at all.
_STANDARD = frozenset(
    {
        "level", "location", "message", "timestamp", "service", "cold_start", "function_name",
        "function_memory_size", "function_arn", "function_request_id", "xray_trace_id", "sampling_rate",
        "correlation_id",
    }
)  # fmt: skip


class Console:
    """Where the runtime's log lines go, and in which form."""

    def __init__(self, stream: TextIO | None = None, form: str | None = None) -> None:
        self.stream = stream
        self.form = form or os.environ.get("COCKPIT_LOG_FORMAT", "human")
        self._lock = threading.Lock()

    def emit(self, source: str, line: str) -> None:
        text = line.rstrip("\n")
        rendered = render_json(source, text) if self.form == "json" else render_human(source, text)
        if rendered is None:
            return
        stream = self.stream or sys.stderr
        with self._lock:
            try:
                stream.write(rendered + "\n")
                stream.flush()
            except (OSError, ValueError):  # a closed log file or terminal: never take the runtime down
                pass


_console = Console()


def configure(stream: TextIO | None = None, form: str | None = None) -> Console:
    """Send the runtime's logs to `stream` (None: stderr) in `form`; the console before this call."""
    global _console
    previous = _console
    _console = Console(stream, form)
    return previous


def restore(console: Console) -> None:
    global _console
    _console = console


def emit(source: str, line: str) -> None:
    _console.emit(source, line)


def _record(text: str) -> dict[str, Any] | None:
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def render_human(source: str, text: str) -> str | None:
    record = _record(text)
    if record is None:
        return f"[{source}] {text}"
    if "_aws" in record:  # an embedded-metric-format line
        metrics = [
            f"{m['Name']}={record.get(m['Name'])}"
            for each in record["_aws"].get("CloudWatchMetrics", [])
            for m in each.get("Metrics", [])
            if isinstance(m, dict) and "Name" in m
        ]
        return f"[{source}] metrics {' '.join(metrics)}" if metrics else None
    extra = " ".join(
        f"{key}={_short(value)}"
        for key, value in record.items()
        if key not in _STANDARD and value is not None
    )
    level = str(record.get("level", "INFO"))
    message = str(record.get("message", ""))
    return f"[{source}] {level} {message}" + (f" {extra}" if extra else "")


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def render_json(source: str, text: str) -> str:
    record = _record(text)
    if record is None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        record = {"timestamp": stamp, "message": text}
    return json.dumps({"source": source, **record}, ensure_ascii=False, default=str)
