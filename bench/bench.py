"""`make bench`: what the gateway costs on top of a raw handler, measured in one run on this machine.

1. Warm overhead: a tool call through the router (routing, auth context, body model, JSON Schema
   validation, policy, metrics, response model) with the target at zero cost, against a raw pydantic
   handler that only parses the body and serializes an answer. Median and p99; the ratio is what counts.
2. Cold import of each function's handler module in a fresh interpreter, against a raw handler's
   imports (boto3 + pydantic); and import plus the first call, which also pays for what is built on
   first use (catalog, compiled validators, settings).
3. DynamoDB calls per invoke, per function, for each kind of tool call (moto in-process).
4. Partner contracts: compiling OpenAPI documents into tools (a hand-written one and a generated
   multi-megabyte one with hundreds of operations and deep $ref graphs), and the AWS calls of a
   registration and of the catalog's read side.
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
    for fn in ("authorizer", "router", "charging", "registry"):
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


def compile_times() -> list[tuple[str, str, float, int]]:
    """Median time to compile each document (ms), with its size and the number of tools made."""
    from registry.compiler.compile import Options, compile_contract
    from tests.support.openapi_docs import example, large_document

    big = json.dumps(large_document(padding=70))
    cases = [
        ("acme-parking example (YAML, 4 operations)", example("acme-parking.openapi.yaml"), 50, None),
        ("generated, all operations", big, 5, 400),
        ("generated, 100 operations chosen", big, 5, 100),
    ]
    rows = []
    for label, text, rounds, count in cases:
        chosen = None
        if count == 100:
            chosen = [f"GetResource{i:03d}sId" for i in range(80)] + [
                f"PostResource{i:03d}s" for i in range(20)
            ]
        options = Options(
            namespace="bench",
            operations=chosen,
            max_operations=count or 100,
            max_document_bytes=4 * 1024 * 1024,
        )
        samples, tools = [], 0
        for _ in range(rounds):
            started = time.perf_counter()
            tools = len(compile_contract(text, options).tools)
            samples.append((time.perf_counter() - started) * 1000)
        rows.append((label, f"{len(text) / 1e6:.2f} MB", statistics.median(samples), tools))
    return rows


def contracts_aws_calls() -> list[tuple[str, str]]:
    """AWS calls of one registration (development mode: published at once) and of the read side."""
    import pytest

    from cockpit import aws
    from cockpit.partners.registry import DynamoPartnerTools
    from registry import wiring
    from registry.handler import lambda_handler
    from tests.support import events
    from tests.support.aws import aws_from_template
    from tests.support.openapi_docs import example

    counts: Counter[str] = Counter()

    def count(model: Any, **_kw: Any) -> None:
        counts[model.name] += 1

    rows: list[tuple[str, str]] = []
    with (
        pytest.MonkeyPatch.context() as mp,
        aws_from_template(mp, "ContractsFunction", parameters={"DevelopmentMode": "true"}) as template,
        quiet(),
    ):
        for service in ("dynamodb", "s3", "secretsmanager"):
            aws.client(service).meta.events.register(f"before-call.{service}", count)
        wiring.service().resolve = lambda _host, _port: ["93.184.215.14"]
        body = {
            "namespace": "acme_parking",
            "display_name": "ACME",
            "openapi": example("acme-parking.openapi.yaml"),
            "base_url": "https://api.acme-parking.example/v2",
            "auth": {"type": "api_key", "in": "header", "name": "X-Api-Key", "value": "k"},
        }
        event = events.api(
            "POST",
            "/v1/contracts",
            body=body,
            role="partner",
            sub="p",
            headers={"Content-Type": "application/json"},
        )
        counts.clear()
        assert lambda_handler(event, None)["statusCode"] == 201
        rows.append(
            (
                "register (4 tools, API key, auto-approved)",
                ", ".join(f"{k}×{v}" for k, v in sorted(counts.items())),
            )
        )
        reader = DynamoPartnerTools(template.functions["ContractsFunction"].environment["CONTRACTS_TABLE"])
        for label, read in (
            ("read side: active_tools()", reader.active_tools),
            ("read side: get(name)", lambda: reader.get("acme_parking_get_spot")),
        ):
            read()
            counts.clear()
            read()
            rows.append((label, ", ".join(f"{k}×{v}" for k, v in sorted(counts.items()))))
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

    print("\n## Partner contracts: compiling OpenAPI documents into tools (median, ms)\n")
    print("| document | size | tools | ms |\n|---|---:|---:|---:|")
    for label, size, ms, tools in compile_times():
        print(f"| {label} | {size} | {tools} | {ms:.0f} |")
    print("\n## Partner contracts: AWS calls\n")
    print("| call | AWS calls |\n|---|---|")
    for label, detail in contracts_aws_calls():
        print(f"| {label} | {detail} |")


if __name__ == "__main__":
    main()
