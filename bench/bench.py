"""`make bench`: what the gateway costs on top of a raw handler, measured in one run on this machine.

1. Warm overhead: a tool call through the router (routing, auth context, body model, JSON Schema
   validation, policy, metrics, response model) with the target at zero cost, against a raw pydantic
   handler that only parses the body and serializes an answer. Median and p99; the ratio is what counts.
2. Cold import of each function's handler module in a fresh interpreter, against a raw handler's
   imports (boto3 + pydantic); and import plus the first call, which also pays for what is built on
   first use (catalog, compiled validators, settings).
3. DynamoDB calls per invoke, per function, for each kind of tool call (moto in-process).
4. Partner call overhead: a partner tool called through the router (validation, secrets, signing, the
   SSRF-pinned transport, output schema) against a direct httpx call to the same local partner server;
   and a partner `pattern` (RE2) against a 30-character hostile argument vs benign ones.
4. The assistant: a turn's own overhead (scripted zero-latency model asking for one tool, the tool at zero
   cost, sessions in memory) against bare dispatch of the same tool call; DynamoDB calls per turn.
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
PARTNER_ROUNDS = 500
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
    from cockpit.partners.catalog import PartnerCatalog
    from cockpit.tools.catalog import first_party
    from cockpit.tools.model import ToolInvocation, ToolResult
    from router import service
    from router.handler import lambda_handler
    from tests.support import events
    from tests.support.partners import FakePartnerToolSource

    class ZeroTarget:
        answer = ToolResult(status="succeeded", result={"stations": []})

        def resolve(self, _target: str) -> ZeroTarget:
            return self

        def invoke(self, _invocation: ToolInvocation) -> ToolResult:
            return self.answer

    # The router's kind of catalog: first-party tools, then a partner source for other names (never read
    # for a first-party tool).
    catalog = PartnerCatalog(first_party(), FakePartnerToolSource())
    gateway = Dispatcher(catalog, ZeroTarget(), idempotency=None, confirmations=None)  # type: ignore[arg-type]
    event = events.invoke("charging_find_stations", FIND_STATIONS)
    if os.environ.get("BENCH_MCP"):  # the same call over MCP 2026-07-28 (tools/call, headers and _meta)
        meta = {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
        }
        params = {"name": "charging_find_stations", "arguments": FIND_STATIONS, "_meta": meta}
        message = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}
        event = events.api(
            "POST",
            "/mcp",
            raw_body=json.dumps(message),
            headers={
                "Content-Type": "application/json",
                "MCP-Protocol-Version": "2026-07-28",
                "Mcp-Method": "tools/call",
                "Mcp-Name": "charging_find_stations",
            },
        )
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


@contextlib.contextmanager
def booking_search_call() -> Iterator[Callable[[], Any]]:
    """A warm call of the booking function's handler (booking_search_availability, restaurants near
    People's Square), its DynamoDB queries answered in-process at zero cost (no counters yet)."""
    import pytest
    from botocore.awsrequest import AWSResponse

    from booking.handler import lambda_handler
    from cockpit import aws
    from cockpit.settings import reset_container
    from tests.support import events

    class Empty(io.BytesIO):
        def stream(self, **_kw: Any) -> Iterator[bytes]:
            yield self.getvalue()

    def answer(request: Any, **_kw: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, {}, Empty(b'{"Items": [], "Count": 0, "ScannedCount": 0}'))

    event = json.loads(json.dumps(events.sample("booking/search_availability.json")))
    event.update(tool="booking_search_availability", vehicle=None)
    event["arguments"] = {"kind": "restaurant", "location": FIND_STATIONS["location"], "party_size": 2}
    with pytest.MonkeyPatch.context() as mp, quiet():
        mp.setenv("BOOKING_TABLE", "bench-booking")
        mp.setenv("BOOKING_PROVIDER", "sandbox")
        mp.setenv("PAYMENTS_FUNCTION", "bench-payments")  # a search never calls it
        mp.setenv("POWERTOOLS_SERVICE_NAME", "booking")
        reset_container()
        client = aws.client("dynamodb")
        client.meta.events.register_first("before-send.dynamodb.Query", answer)
        try:
            yield lambda: lambda_handler(event, None)
        finally:
            client.meta.events.unregister("before-send.dynamodb.Query", answer)
            reset_container()


def raw_with_queries() -> Callable[[], Any]:
    """The raw handler plus the two DynamoDB Query calls a booking search makes (inside
    booking_search_call, they are answered in-process at zero cost): what boto3 alone costs."""
    from cockpit import aws

    raw = raw_call()
    request = {"TableName": "bench-booking", "KeyConditionExpression": "pk = :pk", "ConsistentRead": True}

    def call() -> Any:
        client = aws.client("dynamodb")
        for day in ("2026-12-01", "2026-12-02"):
            client.query(**request, ExpressionAttributeValues={":pk": {"S": f"INV#SHA#R#{day}"}})
        return raw()

    return call


@contextlib.contextmanager
def zero_cost_mcp() -> Iterator[Callable[[], Any]]:
    os.environ["BENCH_MCP"] = "1"
    try:
        with zero_cost_router() as call:
            yield call
    finally:
        del os.environ["BENCH_MCP"]


def warm_overhead() -> list[tuple[str, float, float, float]]:
    with zero_cost_router() as router, booking_search_call() as booking, zero_cost_mcp() as mcp:
        assert router()["statusCode"] == 200
        assert booking()["status"] == "succeeded"
        assert json.loads(mcp()["body"])["result"]["resultType"] == "complete"
        rows = []
        for label, fn in (
            ("raw pydantic handler", raw_call()),
            ("raw handler + the same 2 DynamoDB queries (zero cost)", raw_with_queries()),
            ("booking.handler search (DynamoDB at zero cost)", booking),
            ("MCP 2026-07-28 tools/call (same read tool)", mcp),
            ("router invoke (read tool)", router),
        ):
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
    elif which == "navigation":
        with navigation_env():
            navigation_calls()["plan_route"]()
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
    medians = {which: in_fresh_interpreter(code, which) for which in ("raw", "router", "navigation")}
    ratio = medians["router"] / medians["raw"]
    return [
        ("raw handler", medians["raw"], 1.0),
        ("router.handler (read tool)", medians["router"], ratio),
        (
            "navigation.handler (plan_route, sandbox)",
            medians["navigation"],
            medians["navigation"] / medians["raw"],
        ),
    ]


def cold_import(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"
    return in_fresh_interpreter(code)


def cold_imports() -> list[tuple[str, float, float]]:
    raw = cold_import("bench.raw_handler")
    rows = [("raw handler (boto3 + pydantic)", raw, 1.0)]
    for fn in (
        "authorizer",
        "router",
        "charging",
        "navigation",
        "booking",
        "assistant",
        "payments",
        "registry",
    ):
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


NAVIGATION_ENV = {
    "NAVIGATION_TABLE": "bench-navigation",
    "CHARGING_FUNCTION": "bench-charging",
    "NAVIGATION_ROUTING_PROVIDER": "sandbox",
    "NAVIGATION_PLACES_PROVIDER": "sandbox",
    "AMAP_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench",
}


@contextlib.contextmanager
def navigation_env() -> Iterator[None]:
    """The navigation function's settings (sandbox providers: its read tools make no AWS call)."""
    saved = {k: os.environ.get(k) for k in NAVIGATION_ENV}
    os.environ.update(NAVIGATION_ENV)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def navigation_calls() -> dict[str, Callable[[], Any]]:
    """The navigation function's handler answering ToolInvocation events in process (warm path)."""
    from navigation.handler import lambda_handler

    def event(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        caller = {"sub": "vin-bench", "role": "vehicle"}
        return {
            "kind": "tool_invocation",
            "invocation_id": "b",
            "tool": tool,
            "arguments": arguments,
            "caller": caller,
        }

    square, hongqiao = {"lat": 31.2304, "lon": 121.4737}, {"lat": 31.1945, "lon": 121.3205}
    search = event("navigation_search_places", {"query": "星巴克", "location": square, "limit": 5})
    plan = event("navigation_plan_route", {"origin": square, "destination": hongqiao})
    return {
        "search_places": lambda: lambda_handler(search, None),
        "plan_route": lambda: lambda_handler(plan, None),
    }


def navigation_warm() -> list[tuple[str, float, float, float]]:
    """Warm calls of the navigation handler (its own work included), against the raw handler."""
    rows = []
    with navigation_env(), quiet():
        calls = navigation_calls()
        assert calls["plan_route"]()["status"] == "succeeded"
        for label, fn in (
            ("raw pydantic handler", raw_call()),
            ("navigation_search_places (sandbox, 255 places)", calls["search_places"]),
            ("navigation_plan_route (sandbox, 18 km)", calls["plan_route"]),
        ):
            median, p99 = percentiles(time_calls(fn, WARM_ROUNDS // 3))
            rows.append((label, median, p99, 0.0))
    base = rows[0][1]
    return [(label, median, p99, median / base) for label, median, p99, _ in rows]


def navigation_dynamodb_calls() -> list[tuple[str, str]]:
    """DynamoDB calls per function while the router calls navigation (served in-process)."""
    import pytest

    from cockpit import aws
    from cockpit.settings import reset_container
    from router.handler import lambda_handler as router
    from tests.support import events
    from tests.support.aws import aws_from_template

    reset_container()  # fresh clients: no hooks left from the charging measurement
    counts: Counter[tuple[str, str]] = Counter()
    stack = ["router"]
    rows: list[tuple[str, str]] = []
    with (
        pytest.MonkeyPatch.context() as mp,
        aws_from_template(mp, "RouterFunction", "ChargingFunction", "NavigationFunction"),
        quiet(),
    ):
        aws.client("dynamodb").meta.events.register(
            "before-call.dynamodb", lambda model, **_: counts.update([(stack[-1], model.name)])
        )
        lam = aws.client("lambda")
        lam.meta.events.register(
            "before-call.lambda.Invoke",
            lambda params, **_: stack.append(
                params["url_path"].split("/functions/")[1].split("/")[0].removesuffix("Function").lower()
            ),
        )
        lam.meta.events.register("after-call.lambda.Invoke", lambda **_: stack.pop())
        here = {"lat": 31.2304, "lon": 121.4737}
        for label, event in (
            (
                "navigation_search_places (read)",
                events.invoke("navigation_search_places", {"query": "星巴克", "location": here}),
            ),
            (
                "navigation_set_destination (write)",
                events.invoke("navigation_set_destination", {"destination": here}, key="n1"),
            ),
            (
                "navigation_set_destination replayed",
                events.invoke("navigation_set_destination", {"destination": here}, key="n1"),
            ),
            ("navigation_get_destination (read)", events.invoke("navigation_get_destination", {})),
        ):
            counts.clear()
            out = router(event, None)
            assert out["statusCode"] == 200, out
            detail = ", ".join(f"{fn}:{op}×{n}" for (fn, op), n in sorted(counts.items())) or "none"
            rows.append((label, detail))
    return rows


def booking_dynamodb_calls() -> list[tuple[str, str]]:
    """Count DynamoDB API calls per function while the router calls booking, and booking payments (both
    served in-process)."""
    import pytest

    from cockpit import aws
    from cockpit.settings import reset_container
    from router.handler import lambda_handler as router
    from tests.support import events
    from tests.support.aws import aws_from_template

    reset_container()  # fresh clients: the charging measurement's hooks stay on the cached ones
    counts: Counter[tuple[str, str]] = Counter()
    depth: list[str] = []  # router → booking → payments: the function running is the innermost Invoke
    rows: list[tuple[str, str]] = []
    with (
        pytest.MonkeyPatch.context() as mp,
        aws_from_template(mp, "RouterFunction", "BookingFunction", "PaymentsFunction"),
        quiet(),
    ):
        aws.client("dynamodb").meta.events.register(
            "before-call.dynamodb",
            lambda model, **_: counts.update([(depth[-1] if depth else "router", model.name)]),
        )
        lam = aws.client("lambda")
        lam.meta.events.register(
            "before-call.lambda.Invoke", lambda **_: depth.append(("booking", "payments")[min(len(depth), 1)])
        )
        lam.meta.events.register("after-call.lambda.Invoke", lambda **_: depth.pop())

        def measure(label: str, event: dict[str, Any]) -> dict[str, Any]:
            counts.clear()
            out = router(event, None)
            assert out["statusCode"] == 200, out
            per_fn: Counter[str] = Counter()
            for (fn, _op), n in counts.items():
                per_fn[fn] += n
            detail = ", ".join(f"{fn}:{op}×{n}" for (fn, op), n in sorted(counts.items())) or "none"
            pays = f", payments {per_fn['payments']}" if per_fn["payments"] else ""
            rows.append((label, f"router {per_fn['router']}, booking {per_fn['booking']}{pays}  ({detail})"))
            return json.loads(out["body"])

        here = {"kind": "restaurant", "location": FIND_STATIONS["location"], "party_size": 2, "limit": 50}
        slots = measure(
            "booking_search_availability (read)", events.invoke("booking_search_availability", here)
        )
        free = next(s for s in slots["result"]["slots"] if not s["requires_confirmation"])
        args = {"slot_id": free["slot_id"], "party_size": 2}
        made = measure("booking_create_reservation, free (no confirmation)",
                       events.invoke("booking_create_reservation", args, key="bk1"))  # fmt: skip
        parking = {"kind": "parking", "location": FIND_STATIONS["location"], "limit": 50}
        lots = measure(
            "booking_search_availability (parking)", events.invoke("booking_search_availability", parking)
        )
        paid = {"slot_id": next(s for s in lots["result"]["slots"] if s["requires_prepayment"])["slot_id"],
                "payment_method_id": "pm_card_visa"}  # fmt: skip
        asked = measure("booking_create_reservation, prepaid: ask confirmation",
                        events.invoke("booking_create_reservation", paid, key="bk3"))  # fmt: skip
        token = {"confirmation_token": asked["confirmation"]["token"]}
        confirmed = events.invoke("booking_create_reservation", paid, key="bk3", body=token)
        prepaid = measure("booking_create_reservation, prepaid: confirmed (hold + capture)", confirmed)
        measure("booking_list_reservations", events.invoke("booking_list_reservations", {}))
        rid = made["result"]["reservation"]["id"]
        measure("booking_cancel_reservation",
                events.invoke("booking_cancel_reservation", {"reservation_id": rid}, key="bk2"))  # fmt: skip
        refund = {"reservation_id": prepaid["result"]["reservation"]["id"]}
        measure("booking_cancel_reservation, prepaid (refund)",
                events.invoke("booking_cancel_reservation", refund, key="bk4"))  # fmt: skip
    return rows


def partner_overhead() -> list[tuple[str, float, float, float]]:
    """A partner tool through the router vs a direct keep-alive httpx GET of the same resource."""
    import boto3
    import httpx
    import pytest

    from cockpit.dispatch import wiring as partners
    from cockpit.settings import reset_container
    from router.handler import lambda_handler as router
    from tests.support import events
    from tests.support.aws import aws_from_template
    from tests.support.partner_server import PartnerServer
    from tests.support.partners import SIGNING_KEY, FakePartnerToolSource, parking_tools

    rows = []
    with (
        PartnerServer() as server,
        pytest.MonkeyPatch.context() as mp,
        aws_from_template(mp, "RouterFunction", "ChargingFunction", parameters={"DevelopmentMode": "true"}),
        quiet(),
        httpx.Client() as direct,
    ):
        made = boto3.client("secretsmanager").create_secret(
            Name="bench/partners/signing", SecretString=json.dumps({"key": SIGNING_KEY})
        )
        source = FakePartnerToolSource(parking_tools(server.base_url, signing_arn=made["ARN"]))
        mp.setattr(partners, "partner_source", lambda: source)
        # Buckets wide enough for the rounds: the row measures the limiter's cost, never its refusals.
        wide = {"per_minute": 60000, "burst": 10000}
        mp.setenv(
            "RATE_LIMITS", json.dumps(dict.fromkeys(("vehicle", "read", "write", "payment", "partner"), wide))
        )
        reset_container()  # a fresh container: its catalog reads this source
        event = events.invoke("acme_parking_get_spot", {"spot_id": "spot-renmin-1"})
        url = server.base_url + "/spots/spot-renmin-1"

        def through_gateway() -> Any:
            out = router(event, None)
            assert out["statusCode"] == 200, out
            server.received.clear()
            return out

        def straight() -> Any:
            answer = direct.get(url)
            server.received.clear()
            return answer.json()

        for label, fn in (("direct httpx GET", straight), ("router → partner (read tool)", through_gateway)):
            median, p99 = percentiles(time_calls(fn, PARTNER_ROUNDS))
            rows.append((label, median, p99, 0.0))
    base = rows[0][1]
    return [(label, median, p99, median / base) for label, median, p99, _ in rows]


def pattern_validation() -> list[tuple[str, float, float, float]]:
    """A partner argument with `pattern: ^(a+)+$` (exponential on a backtracking engine), validated by the
    partner catalog: a 30-character hostile string against benign ones of the same length."""
    from cockpit.partners.catalog import PartnerCatalog
    from cockpit.tools.catalog import first_party
    from tests.support.partners import FakePartnerToolSource, parking_tools

    (tool, *_) = parking_tools("https://api.acme-parking.example/v2", signing_arn="sign")
    schema = {"type": "object", "properties": {"s": {"type": "string", "pattern": "^(a+)+$"}}}
    spec = tool.spec.model_copy(update={"input_schema": schema})
    catalog = PartnerCatalog(first_party(), FakePartnerToolSource([tool.model_copy(update={"spec": spec})]))
    resolved = catalog.resolve(spec.name, None)

    def check(text: str) -> Callable[[], Any]:
        def call() -> Any:
            with contextlib.suppress(Exception):  # the refusal (422) is the measured work
                resolved.check_arguments({"s": text})

        return call

    rows = []
    for label, text in (
        ("benign, valid: 30 × 'a'", "a" * 30),
        ("benign, invalid: 30 × 'b'", "b" * 30),
        ("hostile: 30 × 'a' + '!'", "a" * 30 + "!"),
    ):
        median, p99 = percentiles(time_calls(check(text), PARTNER_ROUNDS))
        rows.append((label, median, p99, 0.0))
    base = rows[0][1]
    return [(label, median, p99, median / base) for label, median, p99, _ in rows]


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


Timing = list[tuple[str, float, float, float]]


def timing_table(title: str, rows: Timing, head: str = "handler", against: str = "raw") -> Timing:
    print(f"## {title}\n")
    print(f"| {head} | median µs | p99 µs | × {against} (median) |\n|---|---:|---:|---:|")
    for label, median, p99, ratio in rows:
        print(f"| {label} | {median:.1f} | {p99:.1f} | {ratio:.2f} |")
    print()
    return rows


def calls_table(title: str, rows: list[tuple[str, str]], head: str = "call") -> None:
    print(f"## {title}\n")
    print(f"| {head} | DynamoDB calls |\n|---|---|")
    for label, detail in rows:
        print(f"| {label} | {detail} |")
    print()


def cold_tables() -> None:
    print(f"## Cold import of each handler module (fresh interpreter, median of {COLD_ROUNDS}, ms)\n")
    print("| module | ms | × raw |\n|---|---:|---:|")
    cold = cold_imports()
    for label, ms, ratio in cold:
        print(f"| {label} | {ms:.0f} | {ratio:.2f} |")
    worst = max(r for _, _, r in cold)
    verdict = "met" if worst <= GOAL_COLD else "NOT met"
    print(f"\nGoal: ≤ {GOAL_COLD:.1f}× raw → {verdict} (worst {worst:.2f}×)\n")
    print("## Cold start: import and first call in a fresh interpreter (median, ms)\n")
    print("| handler | ms | × raw |\n|---|---:|---:|")
    for label, ms, ratio in cold_first_calls():
        print(f"| {label} | {ms:.0f} | {ratio:.2f} |")
    print()


def main() -> None:
    sys.path.insert(0, str(ROOT))  # bench reuses the tests' event builders
    print("# make bench: every figure is measured in this run (Ctrl-C stops it)\n", flush=True)
    warm = timing_table(
        f"Warm overhead: tool call through the router, target at zero cost ({WARM_ROUNDS} calls each, µs)",
        warm_overhead(),
    )
    print(
        f"Goal: ≤ {GOAL_WARM:.1f}× raw at the median → {'met' if warm[-1][3] <= GOAL_WARM else 'NOT met'}\n"
    )
    cold_tables()
    partner = timing_table(
        f"Partner call overhead: local partner server over HTTP ({PARTNER_ROUNDS} calls each, µs)",
        partner_overhead(),
        head="call",
        against="direct",
    )
    print(f"Gateway cost per partner call: {partner[-1][1] - partner[0][1]:.0f} µs at the median\n")
    timing_table(
        f"Partner pattern validation, RE2 (`^(a+)+$`, {PARTNER_ROUNDS} calls each, µs)",
        pattern_validation(),
        head="argument",
        against="benign valid",
    )
    calls_table("DynamoDB calls per invoke", dynamodb_calls() + booking_dynamodb_calls())
    calls_table("DynamoDB calls per navigation invoke", navigation_dynamodb_calls())
    timing_table(
        f"Navigation function, warm, in process, its own work included ({WARM_ROUNDS // 3} calls, µs)",
        navigation_warm(),
    )
    timing_table(
        "Assistant: a turn's own overhead, scripted zero-latency model, tool at zero cost "
        f"({WARM_ROUNDS // 3} calls each, µs)",
        assistant_overhead(),
        head="call",
        against="bare dispatch",
    )
    calls_table(
        "DynamoDB calls per assistant turn (goal: 1 read + 1 write, plus what the tools need)",
        assistant_dynamodb_calls(),
        head="turn",
    )
    timing_table(
        f"Payments: warm domain handler against the raw handler ({WARM_ROUNDS} calls each, µs)",
        payments_warm(),
    )
    calls_table(
        "Payments: DynamoDB calls per invoke (router → payments; charging → payments)",
        payments_dynamodb_calls(),
    )

    print("\n## Partner contracts: compiling OpenAPI documents into tools (median, ms)\n")
    print("| document | size | tools | ms |\n|---|---:|---:|---:|")
    for label, size, ms, tools in compile_times():
        print(f"| {label} | {size} | {tools} | {ms:.0f} |")
    print("\n## Partner contracts: AWS calls\n")
    print("| call | AWS calls |\n|---|---|")
    for label, detail in contracts_aws_calls():
        print(f"| {label} | {detail} |")


def run() -> int:
    """`make bench`: Ctrl-C or a reader that went away (`make bench | head`) ends it in one line."""
    try:
        main()
        sys.stdout.flush()
    except KeyboardInterrupt:
        sys.stderr.write("bench: interrupted; the tables above are complete, the rest was not measured\n")
        return 130
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return 0


if __name__ == "__main__":
    sys.exit(run())
