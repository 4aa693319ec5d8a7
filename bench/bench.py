"""`make bench`: what the gateway costs on top of a raw handler, measured in one run on this machine.

1. Warm overhead: a tool call through the router (routing, auth context, body model, JSON Schema
   validation, policy, metrics, response model) with the target at zero cost, against a raw pydantic
   handler that only parses the body and serializes an answer. Median and p99; the ratio is what counts.
2. Cold import of each function's handler module in a fresh interpreter, against a raw handler's
   imports (boto3 + pydantic); and import plus the first call, which also pays for what is built on
   first use (catalog, compiled validators, settings).
3. DynamoDB calls per invoke, per function, for each kind of tool call (moto in-process).
4. The assistant: a turn's own overhead (scripted zero-latency model asking for one tool, the tool at zero
   cost, sessions in memory) against bare dispatch of the same tool call; DynamoDB calls per turn.
Timings are never asserted in tests: the machines are shared and noisy, so only ratios are reported.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WARM_ROUNDS = 3000
COLD_ROUNDS = 7
GOAL_WARM, GOAL_COLD = 5.0, 3.5

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


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


def time_calls(fn: Callable[[], Any], rounds: int) -> list[float]:
    for _ in range(200):  # warm up caches, validators, lazy imports
        fn()
    out = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - start) / 1000)
    return out


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Metrics are printed (EMF) on every call; keep them off the terminal while timing."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


FIND_STATIONS = {
    "location": {"lat": 31.2304, "lon": 121.4737},
    "radius_km": 5,
    "connectors": ["GB_T_DC"],
    "limit": 5,
}


@contextlib.contextmanager
def zero_cost_router() -> Iterator[Callable[[], Any]]:
    """A call of the router's handler for charging_find_stations, its target answering at zero cost."""
    from cockpit.dispatch.core import Dispatcher
    from cockpit.tools.catalog import first_party
    from cockpit.tools.model import ToolInvocation, ToolResult
    from router import service
    from router.handler import lambda_handler
    from tests.support import events

    class ZeroTarget:
        answer = ToolResult(status="succeeded", result={"stations": []})

        def resolve(self, _target: str) -> ZeroTarget:
            return self

        def invoke(self, _invocation: ToolInvocation) -> ToolResult:
            return self.answer

    gateway = Dispatcher(first_party(), ZeroTarget(), idempotency=None, confirmations=None)  # type: ignore[arg-type]
    event = events.invoke("charging_find_stations", FIND_STATIONS)
    wired = service.dispatcher
    service.dispatcher = lambda: gateway  # type: ignore[assignment]  # for this measurement only
    try:
        with quiet():
            yield lambda: lambda_handler(event, None)
    finally:
        service.dispatcher = wired


def raw_call() -> Callable[[], Any]:
    from bench.raw_handler import handler
    from tests.support import events

    event = events.invoke("charging_find_stations", FIND_STATIONS)
    return lambda: handler(event, None)


def warm_overhead() -> list[tuple[str, float, float, float]]:
    with zero_cost_router() as router:
        assert router()["statusCode"] == 200
        rows = []
        for label, fn in (("raw pydantic handler", raw_call()), ("router invoke (read tool)", router)):
            median, p99 = percentiles(time_calls(fn, WARM_ROUNDS))
            rows.append((label, median, p99, 0.0))
    base = rows[0][1]
    return [(label, median, p99, median / base) for label, median, p99, _ in rows]


def first_call_ms(which: str) -> float:
    """In a fresh interpreter: import the handler and answer its first call (what a cold start costs
    beyond the runtime's own start), in ms."""
    started = time.perf_counter()
    if which == "raw":
        raw_call()()
    else:
        with zero_cost_router() as router:
            router()
    return (time.perf_counter() - started) * 1000


def in_fresh_interpreter(code: str, *args: str) -> float:
    """The median of the number `code` prints last, run COLD_ROUNDS times in new interpreters."""
    runs = []
    for _ in range(COLD_ROUNDS):
        done = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT
        )
        runs.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


def cold_first_calls() -> list[tuple[str, float, float]]:
    code = "import sys; from bench.bench import first_call_ms; print(first_call_ms(sys.argv[1]))"
    medians = {which: in_fresh_interpreter(code, which) for which in ("raw", "router")}
    ratio = medians["router"] / medians["raw"]
    return [("raw handler", medians["raw"], 1.0), ("router.handler (read tool)", medians["router"], ratio)]


def cold_import(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"
    return in_fresh_interpreter(code)


def cold_imports() -> list[tuple[str, float, float]]:
    raw = cold_import("bench.raw_handler")
    rows = [("raw handler (boto3 + pydantic)", raw, 1.0)]
    for fn in ("authorizer", "router", "charging", "assistant"):
        ms = cold_import(f"{fn}.handler")
        rows.append((f"{fn}.handler", ms, ms / raw))
    return rows


def dynamodb_calls() -> list[tuple[str, str]]:
    """Count DynamoDB API calls per function while the router calls charging (served in-process)."""
    import pytest

    from cockpit import aws
    from router.handler import lambda_handler as router
    from tests.support import events
    from tests.support.aws import aws_from_template

    counts: Counter[tuple[str, str]] = Counter()
    where = {"fn": "router"}

    def count(model: Any, **_kw: Any) -> None:
        counts[(where["fn"], model.name)] += 1

    rows: list[tuple[str, str]] = []
    with (
        pytest.MonkeyPatch.context() as mp,
        aws_from_template(mp, "RouterFunction", "ChargingFunction"),
        quiet(),
    ):
        aws.client("dynamodb").meta.events.register("before-call.dynamodb", count)
        lam = aws.client("lambda")
        lam.meta.events.register("before-call.lambda.Invoke", lambda **_: where.update(fn="charging"))
        lam.meta.events.register("after-call.lambda.Invoke", lambda **_: where.update(fn="router"))

        def measure(label: str, event: dict[str, Any]) -> dict[str, Any]:
            counts.clear()
            out = router(event, None)
            assert out["statusCode"] == 200, out
            per_fn = Counter()
            for (fn, _op), n in counts.items():
                per_fn[fn] += n
            detail = ", ".join(f"{fn}:{op}×{n}" for (fn, op), n in sorted(counts.items())) or "none"
            rows.append((label, f"router {per_fn['router']}, charging {per_fn['charging']}  ({detail})"))
            return json.loads(out["body"])

        here = {"location": {"lat": 31.2304, "lon": 121.4737}, "radius_km": 3}
        measure("charging_find_stations (read)", events.invoke("charging_find_stations", here))
        asked = measure(
            "charging_start_session, ask confirmation",
            events.invoke("charging_start_session", {"station_id": "CN-SHA-0001"}, key="b1"),
        )
        token = asked["confirmation"]["token"]
        done = measure(
            "charging_start_session, confirmed",
            events.invoke(
                "charging_start_session",
                {"station_id": "CN-SHA-0001"},
                key="b1",
                body={"confirmation_token": token},
            ),
        )
        measure(
            "same call replayed (Idempotency-Key)",
            events.invoke(
                "charging_start_session",
                {"station_id": "CN-SHA-0001"},
                key="b1",
                body={"confirmation_token": token},
            ),
        )
        op = done["operation"]["id"]
        measure(
            "GET /v1/operations/{id}",
            events.api("GET", "/v1/operations/{operation_id}", path_params={"operation_id": op}),
        )
        session_id = "cs_" + op.removeprefix("op_")
        measure(
            "charging_stop_session",
            events.invoke("charging_stop_session", {"session_id": session_id}, key="b2"),
        )
    return rows


class _MemorySessions:
    """The session store's interface over a dict of JSON texts (DynamoDB calls are counted separately)."""

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}

    def create(self, session: Any) -> None:
        self.save_turn(session, 0, None)

    def load(self, session_id: str) -> Any:
        from assistant.models import Session

        found = self.items.get(session_id)  # serialized as the real store does, JSON in and out
        return Session.model_validate_json(found) if found else None

    def save_turn(self, session: Any, _expected: int, turn: Any) -> None:
        self.items[session.session_id] = session.model_dump_json()
        if turn is not None:
            turn.model_dump_json()


@contextlib.contextmanager
def zero_cost_assistant() -> Iterator[tuple[Callable[[], Any], Callable[[], Any]]]:
    """(a turn through the assistant's handler, bare dispatch of the same tool call), both at zero cost."""
    import assistant.handler as handler
    from assistant.models import CreateSession
    from assistant.ports import ModelReply, ModelRequest, ModelToolCall
    from assistant.service import AssistantService
    from cockpit.dispatch.core import Dispatcher, ToolCall
    from cockpit.tools.catalog import first_party
    from cockpit.tools.model import Caller, Role, ToolInvocation, ToolResult
    from tests.support import events

    class ZeroTarget:
        answer = ToolResult(status="succeeded", result={"stations": []})

        def resolve(self, _target: str) -> ZeroTarget:
            return self

        def invoke(self, _invocation: ToolInvocation) -> ToolResult:
            return self.answer

    class ScriptedModel:
        """Asks for charging_find_stations, then answers: zero latency."""

        provider = "scripted"
        call = (ModelToolCall(id="call_1", name="charging_find_stations", arguments=FIND_STATIONS),)

        def complete(self, request: ModelRequest) -> ModelReply:
            asked = request.messages[-1].role == "tool"
            return ModelReply(text="No chargers nearby.") if asked else ModelReply(tool_calls=self.call)

    gateway = Dispatcher(first_party(), ZeroTarget(), idempotency=None, confirmations=None)  # type: ignore[arg-type]
    car = Caller(sub="vin-test-1", role=Role.VEHICLE)
    service = AssistantService(_MemorySessions(), gateway, ScriptedModel())  # type: ignore[arg-type]
    sid = service.create(car, CreateSession()).session_id
    event = events.api(
        "POST",
        "/v1/sessions/{session_id}/turns",
        path_params={"session_id": sid},
        body={"text": "find a charger"},
        headers={"Content-Type": "application/json"},
    )
    bare = ToolCall(tool="charging_find_stations", arguments=FIND_STATIONS, caller=car)
    wired = handler.service
    handler.service = lambda: service  # type: ignore[assignment]  # for this measurement only
    try:
        with quiet():
            yield (lambda: handler.lambda_handler(event, None)), (lambda: gateway.invoke(bare))
    finally:
        handler.service = wired


def assistant_overhead() -> list[tuple[str, float, float, float]]:
    with zero_cost_assistant() as (turn, dispatch):
        assert turn()["statusCode"] == 200
        rows = []
        for label, fn in (
            ("bare dispatch (read tool)", dispatch),
            ("assistant turn (model + 1 tool + answer)", turn),
        ):
            median, p99 = percentiles(time_calls(fn, WARM_ROUNDS // 3))
            rows.append((label, median, p99, 0.0))
    base = rows[0][1]
    return [(label, median, p99, median / base) for label, median, p99, _ in rows]


def assistant_dynamodb_calls() -> list[tuple[str, str]]:
    """DynamoDB calls per turn, per function, the offline planner calling charging (served in-process)."""
    import pytest

    from assistant.handler import lambda_handler as assistant
    from cockpit import aws
    from cockpit.settings import reset_container
    from tests.support import events
    from tests.support.aws import aws_from_template

    reset_container()  # fresh clients and services: the router section's hooks stay on its own clients
    counts: Counter[tuple[str, str]] = Counter()
    where = {"fn": "assistant"}
    rows: list[tuple[str, str]] = []
    with (
        pytest.MonkeyPatch.context() as mp,
        aws_from_template(mp, "AssistantFunction", "ChargingFunction"),
        quiet(),
    ):
        aws.client("dynamodb").meta.events.register(
            "before-call.dynamodb", lambda model, **_: counts.update([(where["fn"], model.name)])
        )
        lam = aws.client("lambda")
        lam.meta.events.register("before-call.lambda.Invoke", lambda **_: where.update(fn="charging"))
        lam.meta.events.register("after-call.lambda.Invoke", lambda **_: where.update(fn="assistant"))
        json_headers = {"Content-Type": "application/json"}
        created = assistant(
            events.api(
                "POST",
                "/v1/sessions",
                body={"vehicle": {"location": {"lat": 31.2304, "lon": 121.4737}}},
                headers=json_headers,
            ),
            None,
        )
        sid = json.loads(created["body"])["session_id"]
        for label, text in (
            ("turn: find a charger (1 read tool)", "find a fast charger"),
            ("turn: start charging at the first (ask)", "start charging at the first one"),
            ("turn: yes (performed, confirmed)", "yes"),
            ("turn: how is my battery (no tool)", "how is my battery"),
        ):
            counts.clear()
            out = assistant(
                events.api(
                    "POST",
                    "/v1/sessions/{session_id}/turns",
                    path_params={"session_id": sid},
                    body={"text": text},
                    headers=json_headers,
                ),
                None,
            )
            assert out["statusCode"] == 200, out
            per_fn: Counter[str] = Counter()
            for (fn, _op), n in counts.items():
                per_fn[fn] += n
            detail = ", ".join(f"{fn}:{op}×{n}" for (fn, op), n in sorted(counts.items())) or "none"
            rows.append(
                (label, f"assistant {per_fn['assistant']}, charging {per_fn['charging']}  ({detail})")
            )
    return rows


def main() -> None:
    sys.path.insert(0, str(ROOT))  # bench reuses the tests' event builders
    print(
        "## Warm overhead: tool call through the router, target at zero cost "
        f"({WARM_ROUNDS} calls each, µs)\n"
    )
    print("| handler | median µs | p99 µs | × raw (median) |\n|---|---:|---:|---:|")
    warm = warm_overhead()
    for label, median, p99, ratio in warm:
        print(f"| {label} | {median:.1f} | {p99:.1f} | {ratio:.2f} |")
    print(
        f"\nGoal: ≤ {GOAL_WARM:.1f}× raw at the median → {'met' if warm[-1][3] <= GOAL_WARM else 'NOT met'}\n"
    )

    print(f"## Cold import of each handler module (fresh interpreter, median of {COLD_ROUNDS}, ms)\n")
    print("| module | ms | × raw |\n|---|---:|---:|")
    cold = cold_imports()
    for label, ms, ratio in cold:
        print(f"| {label} | {ms:.0f} | {ratio:.2f} |")
    worst = max(r for _, _, r in cold)
    print(
        f"\nGoal: ≤ {GOAL_COLD:.1f}× raw → {'met' if worst <= GOAL_COLD else 'NOT met'} "
        f"(worst {worst:.2f}×)\n"
    )

    print("## Cold start: import and first call in a fresh interpreter (median, ms)\n")
    print("| handler | ms | × raw |\n|---|---:|---:|")
    for label, ms, ratio in cold_first_calls():
        print(f"| {label} | {ms:.0f} | {ratio:.2f} |")
    print()

    print("## DynamoDB calls per invoke\n")
    print("| call | DynamoDB calls |\n|---|---|")
    for label, detail in dynamodb_calls():
        print(f"| {label} | {detail} |")

    print(
        "\n## Assistant: a turn's own overhead, scripted zero-latency model, tool at zero cost "
        f"({WARM_ROUNDS // 3} calls each, µs)\n"
    )
    print("| call | median µs | p99 µs | × bare dispatch (median) |\n|---|---:|---:|---:|")
    for label, median, p99, ratio in assistant_overhead():
        print(f"| {label} | {median:.1f} | {p99:.1f} | {ratio:.2f} |")

    print("\n## DynamoDB calls per assistant turn (goal: 1 read + 1 write, plus what the tools need)\n")
    print("| turn | DynamoDB calls |\n|---|---|")
    for label, detail in assistant_dynamodb_calls():
        print(f"| {label} | {detail} |")


if __name__ == "__main__":
    main()
