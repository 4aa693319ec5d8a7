"""`make bench`: what the gateway costs on top of a raw handler, measured in one run on this machine.

1. Warm overhead: a tool call through the router (routing, auth context, body model, JSON Schema
   validation, policy, metrics, response model) with the target at zero cost, against a raw pydantic
   handler that only parses the body and serializes an answer. Median and p99; the ratio is what counts.
2. Cold import of each function's handler module in a fresh interpreter, against a raw handler's
   imports (boto3 + pydantic); and import plus the first call, which also pays for what is built on
   first use (catalog, compiled validators, settings).
3. DynamoDB calls per invoke, per function, for each kind of tool call (moto in-process).
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
    for fn in ("authorizer", "router", "charging", "payments"):
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


PAYMENTS_ENV = {
    "PAYMENTS_TABLE": "bench-payments",
    "PAYMENTS_PROCESSOR": "sandbox",
    "PAYMENTS_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench",
    "PAYMENTS_LIMITS": '{"CNY": {"per_payment": 200000, "per_day": 500000}}',
}


def payments_warm() -> list[tuple[str, float, float, float]]:
    """The payments function's own handler for a read tool (payments_list_methods: no AWS call), warm,
    against the raw pydantic handler measured in the same run."""
    import pytest

    from cockpit.settings import reset_container
    from payments.handler import lambda_handler
    from tests.support import events

    event = events.sample("payments/list_methods.json")
    with pytest.MonkeyPatch.context() as mp, quiet():
        for name, value in PAYMENTS_ENV.items():
            mp.setenv(name, value)
        assert lambda_handler(event, None)["status"] == "succeeded"
        rows = []
        for label, fn in (
            ("raw pydantic handler", raw_call()),
            ("payments.handler, payments_list_methods", lambda: lambda_handler(event, None)),
        ):
            median, p99 = percentiles(time_calls(fn, WARM_ROUNDS))
            rows.append((label, median, p99, 0.0))
    reset_container()  # the settings read here are the bench's own, not a deployment's
    base = rows[0][1]
    return [(label, median, p99, median / base) for label, median, p99, _ in rows]


def payments_dynamodb_calls() -> list[tuple[str, str]]:
    """DynamoDB calls per function while the router calls payments (and charging calls payments)."""
    import pytest

    from cockpit import aws
    from router.handler import lambda_handler as router
    from tests.support import events
    from tests.support.aws import aws_from_template

    counts: Counter[tuple[str, str]] = Counter()
    stack = ["router"]

    def count(model: Any, **_kw: Any) -> None:
        counts[(stack[-1], model.name)] += 1

    def enter(params: dict[str, Any], **_kw: Any) -> None:
        name = str(params.get("FunctionName", "")).lower()
        stack.append("payments" if "payments" in name else "charging")

    rows: list[tuple[str, str]] = []
    with (
        pytest.MonkeyPatch.context() as mp,
        aws_from_template(mp, "RouterFunction", "ChargingFunction", "PaymentsFunction"),
        quiet(),
    ):
        aws.client("dynamodb").meta.events.register("before-call.dynamodb", count)
        lam = aws.client("lambda")
        lam.meta.events.register("before-parameter-build.lambda.Invoke", enter)
        lam.meta.events.register("after-call.lambda.Invoke", lambda **_: stack.pop())

        def measure(label: str, event: dict[str, Any]) -> dict[str, Any]:
            counts.clear()
            out = router(event, None)
            assert out["statusCode"] == 200, out
            per_fn: Counter[str] = Counter()
            for (fn, _op), n in counts.items():
                per_fn[fn] += n
            detail = ", ".join(f"{fn}:{op}×{n}" for (fn, op), n in sorted(counts.items())) or "none"
            totals = ", ".join(f"{fn} {per_fn[fn]}" for fn in ("router", "charging", "payments"))
            rows.append((label, f"{totals}  ({detail})"))
            return json.loads(out["body"])

        def ask_then_confirm(label: str, tool: str, arguments: dict[str, Any], key: str) -> dict[str, Any]:
            asked = measure(f"{label}, ask confirmation", events.invoke(tool, arguments, key=key))
            body = {"confirmation_token": asked["confirmation"]["token"]}
            done = measure(f"{label}, confirmed", events.invoke(tool, arguments, key=key, body=body))
            measure(
                f"{label}, replayed (Idempotency-Key)", events.invoke(tool, arguments, key=key, body=body)
            )
            return done

        measure("payments_list_methods (read)", events.invoke("payments_list_methods", {}))
        pay = {
            "amount": {"amount": 4550, "currency": "CNY"},
            "merchant": "shanghai_star_charging",
            "purpose": "b",
        }
        paid = ask_then_confirm("payments_create_payment", "payments_create_payment", pay, "p1")
        pid = paid["result"]["payment"]["id"]
        measure("payments_get_payment (read)", events.invoke("payments_get_payment", {"payment_id": pid}))
        refund = {"payment_id": pid, "amount": {"amount": 1000, "currency": "CNY"}}
        ask_then_confirm("payments_refund_payment", "payments_refund_payment", refund, "r1")
        start = {"station_id": "CN-SHA-0001", "payment_method_id": "pm_card_visa"}
        started = ask_then_confirm(
            "charging_start_session with a card (hold)", "charging_start_session", start, "c1"
        )
        session_id = "cs_" + started["operation"]["id"].removeprefix("op_")
        measure(
            "charging_stop_session with a card (settles the hold)",
            events.invoke("charging_stop_session", {"session_id": session_id}, key="c2"),
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

    print(f"\n## Payments: warm domain handler against the raw handler ({WARM_ROUNDS} calls each, µs)\n")
    print("| handler | median µs | p99 µs | × raw (median) |\n|---|---:|---:|---:|")
    for label, median, p99, ratio in payments_warm():
        print(f"| {label} | {median:.1f} | {p99:.1f} | {ratio:.2f} |")

    print("\n## Payments: DynamoDB calls per invoke (router → payments; charging → payments)\n")
    print("| call | DynamoDB calls |\n|---|---|")
    for label, detail in payments_dynamodb_calls():
        print(f"| {label} | {detail} |")


if __name__ == "__main__":
    main()
