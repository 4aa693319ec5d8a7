"""What every bench scenario shares: rounds, timing against a baseline of the same run, tables, the
functions' environments as template.yaml declares them, in-process AWS, and AWS calls counted per
function. A scenario module (bench/scenarios/) only says what it calls and how the rows read."""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:  # the bench imports the gateway's modules on first use (cold measurements)
    from cockpit.tools.model import Caller, ToolInvocation, ToolResult, ToolSpec

ROOT = Path(__file__).resolve().parents[1]

# The process's own settings: no real AWS, metrics in their own namespace, no tracing, quiet logs.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_METRICS_NAMESPACE": "CockpitBench",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)


@dataclass(frozen=True)
class Rounds:
    """How much each kind of measurement repeats. The smoke round runs every scenario with few."""

    warm: int = 3000
    partner: int = 500
    cold: int = 7
    compile: int = 5
    warmup: int = 200
    document: tuple[int, int, int] = (
        80,
        40,
        70,
    )  # the generated OpenAPI document: resources, $ref chain, padding
    smoke: bool = False

    @property
    def workers(self) -> int:
        """Fresh interpreters started at once: one when timing them, two in the smoke round."""
        return 2 if self.smoke else 1


FULL = Rounds()
SMOKE = Rounds(warm=30, partner=10, cold=1, compile=1, warmup=5, document=(24, 5, 1), smoke=True)

Row = tuple[Any, ...]


@dataclass
class Table:
    """One markdown table: a title, column headers, rows, and lines printed under it (goals)."""

    title: str
    columns: tuple[str, ...]
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    formats: tuple[str, ...] = ()  # per column after the first: a format spec ("" for str())

    def markdown(self) -> str:
        aligns = ["---"] + ["---:" if f else "---" for f in self.formats]
        lines = [f"## {self.title}", "", "| " + " | ".join(self.columns) + " |", "|" + "|".join(aligns) + "|"]
        for label, *cells in self.rows:
            shown = [format(c, f) if f else str(c) for c, f in zip(cells, self.formats, strict=True)]
            lines.append("| " + " | ".join([str(label), *shown]) + " |")
        lines.append("")
        lines.extend(f"{note}\n" for note in self.notes)
        return "\n".join(lines)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99) - 1)]


def time_calls(fn: Callable[[], Any], rounds: int, warmup: int) -> list[float]:
    """Microseconds per call, after `warmup` calls (caches, validators, lazy imports)."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - start) / 1000)
    return out


def timing(
    title: str,
    calls: list[tuple[str, Callable[[], Any]]],
    rounds: int,
    warmup: int,
    *,
    head: str = "handler",
    against: str = "raw",
) -> Table:
    """Median and p99 of each call, and its median as a multiple of the first call's (the baseline)."""
    measured = [(label, *percentiles(time_calls(fn, rounds, warmup))) for label, fn in calls]
    base = measured[0][1]
    rows: list[Row] = [(label, median, p99, median / base) for label, median, p99 in measured]
    columns = (head, "median µs", "p99 µs", f"× {against} (median)")
    return Table(title, columns, rows, formats=(".1f", ".1f", ".2f"))


def ratio(table: Table, label: str) -> float:
    """The ratio column of the row named `label`."""
    return float(next(row[-1] for row in table.rows if row[0] == label))


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Metrics are printed (EMF) on every call; keep them off the terminal while measuring."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


class LambdaContext:
    """What Lambda hands a handler: the deadline plumbing reads the time left from it."""

    function_name = "bench"
    aws_request_id = "bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 29_000


CONTEXT = LambdaContext()


def signed_in(event: dict[str, Any]) -> dict[str, Any]:
    """An API event as the authorizer passes it on: its context carries the token's `exp` (a string, as
    API Gateway stringifies context values), which every function checks."""
    authorizer = (event.get("requestContext") or {}).get("authorizer")
    if authorizer:
        authorizer["exp"] = str(int(time.time()) + 3600)
    return event


@cache
def template() -> Any:
    from cockpit_dev.template import load_template

    return load_template(ROOT / "template.yaml")


def function_label(name_or_arn: str) -> str:
    """`navigation` for NavigationFunction, its name, ARN or alias ARN (URL-quoted or not)."""
    found = template().function_named(unquote(name_or_arn))
    logical = found.logical_id if found is not None else unquote(name_or_arn).rsplit(":", 1)[-1]
    return str(logical).removesuffix("Function").lower()


@contextlib.contextmanager
def function_env(*functions: str, **overrides: str) -> Iterator[None]:
    """The named functions' environment as template.yaml declares it (defaults: sandbox providers), for
    measurements that make no AWS call; a fresh container before and after."""
    import pytest

    from cockpit.settings import reset_container

    with pytest.MonkeyPatch.context() as mp:
        for name in functions:
            for key, value in {**template().function_named(name).environment, **overrides}.items():
                mp.setenv(key, value)
        reset_container()
        try:
            yield
        finally:
            reset_container()


class AwsCalls:
    """AWS calls per function while handlers run in process: Lambda Invoke calls are served here (by
    the template's handlers), and each call is counted for the function whose invocation is running."""

    def __init__(self, services: tuple[str, ...]) -> None:
        from cockpit import aws

        self.counts: Counter[tuple[str, str]] = Counter()
        self.running: list[str] = ["bench"]  # outside `measure`: the bench's own setup calls
        events = aws.session().events  # every client made from this session (a fresh one) counts
        for service in services:
            events.register(f"before-call.{service}", self._count)
        events.register("before-parameter-build.lambda.Invoke", self._enter)
        events.register("after-call.lambda.Invoke", self._leave)

    def _count(self, model: Any, **_kw: Any) -> None:
        self.counts[(self.running[-1], model.name)] += 1

    def _enter(self, params: Mapping[str, Any], **_kw: Any) -> None:
        self.running.append(function_label(str(params.get("FunctionName", ""))))

    def _leave(self, **_kw: Any) -> None:
        self.running.pop()

    def measure(
        self, caller: str, call: Callable[[], Any], functions: tuple[str, ...] = ()
    ) -> tuple[Any, str]:
        """Run `call` as `caller`; its answer, and the calls made: totals for `functions`, then each."""
        self.counts.clear()
        self.running[:] = [caller]
        answer = call()
        per_fn: Counter[str] = Counter()
        for (fn, _op), n in self.counts.items():
            per_fn[fn] += n
        detail = ", ".join(f"{fn}:{op}×{n}" for (fn, op), n in sorted(self.counts.items())) or "none"
        if not functions:
            return answer, detail
        totals = ", ".join(f"{fn} {per_fn[fn]}" for fn in functions)
        return answer, f"{totals}  ({detail})"


@contextlib.contextmanager
def in_process_aws(
    *functions: str,
    services: tuple[str, ...] = ("dynamodb",),
    parameters: Mapping[str, str] | None = None,
) -> Iterator[tuple[Any, AwsCalls]]:
    """moto in process with the template's resources, the named functions' environment (wide rate
    limits: a measurement is never refused), Lambda Invoke served in process, AWS calls counted."""
    import pytest

    from cockpit.settings import reset_container
    from tests.support.aws import aws_from_template

    reset_container()  # a fresh session and clients: the counting hooks go on them
    with (
        pytest.MonkeyPatch.context() as mp,
        aws_from_template(mp, *functions, parameters=parameters) as made,
        quiet(),
    ):
        try:
            yield made, AwsCalls(services)
        finally:
            reset_container()


def router_call(event: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    """The router's handler answering `event` (the router function's own wiring)."""
    from router.handler import lambda_handler

    return lambda: lambda_handler(event, CONTEXT)


def ok(answer: dict[str, Any], status: int = 200) -> dict[str, Any]:
    """An API answer that must have this status: its body."""
    assert answer["statusCode"] == status, answer
    return json.loads(answer["body"])  # type: ignore[no-any-return]


class ZeroTarget:
    """A tool target answering at zero cost: what is left is the gateway's own work."""

    def __init__(self) -> None:
        from cockpit.tools.model import ToolResult

        self.answer = ToolResult(status="succeeded", result={"stations": []})

    def resolve(self, _target: str) -> ZeroTarget:
        return self

    def invoke(self, _invocation: ToolInvocation) -> ToolResult:
        return self.answer


class Unlimited:
    """No rate limit: the rows that leave the limiter out (it is measured in rows of its own)."""

    def take(self, _caller: Caller, _tool: ToolSpec) -> None:
        return None


def raw_call() -> Callable[[], Any]:
    """The baseline: a raw pydantic handler for the same tool call (bench/raw_handler.py)."""
    from bench.raw_handler import handler
    from tests.support import events

    event = events.invoke("charging_find_stations", FIND_STATIONS)
    return lambda: handler(event, None)


FIND_STATIONS = {
    "location": {"lat": 31.2304, "lon": 121.4737},
    "radius_km": 5,
    "connectors": ["GB_T_DC"],
    "limit": 5,
}
SQUARE = {"lat": 31.2304, "lon": 121.4737}  # People's Square, Shanghai


class ZeroCostDynamo:
    """A DynamoDB client's calls of one operation answered in process at zero cost (boto3's own work
    remains: what any handler calling DynamoDB pays)."""

    def __init__(self, client: Any, operation: str, answer: bytes) -> None:
        from botocore.awsrequest import AWSResponse
        from botocore.compat import HTTPHeaders

        class Body(io.BytesIO):
            def stream(self, **_kw: Any) -> Iterator[bytes]:
                yield self.getvalue()

        def respond(request: Any, **_kw: Any) -> AWSResponse:
            return AWSResponse(request.url, 200, HTTPHeaders(), Body(answer))

        self.client, self.event, self.respond = client, f"before-send.dynamodb.{operation}", respond
        # a before-send handler that returns a response answers the call: nothing is sent
        client.meta.events.register_first(self.event, respond)

    def close(self) -> None:
        self.client.meta.events.unregister(self.event, self.respond)
