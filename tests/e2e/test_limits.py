"""Per-caller limits over HTTP with real tokens: one vehicle flooding a tool is refused with 429 problems
and Retry-After, while another vehicle calling at the same moment is answered every time; the MCP
endpoint shares the same buckets (one dispatch path)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.e2e.conftest import GatewayFactory
from tests.e2e.test_charging_journey import PEOPLES_SQUARE, TokenFactory, bearer, invoke, problem

FIND = {"location": PEOPLES_SQUARE, "radius_km": 1, "limit": 1}

pytestmark = pytest.mark.local_only  # a runtime of its own, with tight limits, and fresh dev tokens

# Tight enough that the flood is refused however slowly this machine serves it.
TIGHT = (
    '{"vehicle": {"per_minute": 60, "burst": 30}, "read": {"per_minute": 6, "burst": 5},'
    ' "write": {"per_minute": 6, "burst": 3}, "payment": {"per_minute": 2, "burst": 2},'
    ' "partner": {"per_minute": 600, "burst": 100}}'
)


@pytest.fixture(scope="module")
def limited(start_gateway: GatewayFactory) -> Iterator[httpx.Client]:
    url = start_gateway({"ToolRateLimits": TIGHT})
    with httpx.Client(base_url=str(url), timeout=httpx.Timeout(60.0, connect=5.0)) as client:
        yield client


def test_one_vehicle_flooding_never_blocks_another(limited: httpx.Client, token: TokenFactory) -> None:
    http = limited
    flooder = token("vehicle", f"vin-flood-{uuid.uuid4().hex[:8]}")
    calm = token("vehicle", f"vin-calm-{uuid.uuid4().hex[:8]}")
    start = threading.Barrier(17)

    def flood(_i: int) -> httpx.Response:
        start.wait() if _i < 16 else None
        return invoke(http, flooder, "charging_find_stations", FIND)

    def steady() -> list[int]:
        start.wait()
        return [invoke(http, calm, "charging_find_stations", FIND).status_code for _ in range(5)]

    with ThreadPoolExecutor(max_workers=17) as pool:
        calm_answers = pool.submit(steady)
        flood_answers = list(pool.map(flood, range(60)))
        steady_codes = calm_answers.result()
    codes = [r.status_code for r in flood_answers]
    assert set(codes) <= {200, 429}, codes
    assert codes.count(429) >= 40, codes  # the read bucket holds 5 and refills one every 10 s
    refused = next(r for r in flood_answers if r.status_code == 429)
    doc = problem(refused, 429)
    assert doc["type"].endswith("/rate-limited") and int(refused.headers["Retry-After"]) >= 1
    assert steady_codes == [200] * 5  # the other vehicle was never refused


def test_mcp_calls_share_the_vehicles_buckets(limited: httpx.Client, token: TokenFactory) -> None:
    http = limited
    car = token("vehicle", f"vin-mcp-flood-{uuid.uuid4().hex[:8]}")
    for _ in range(6):  # past the read bucket's burst (5), through the REST route
        assert invoke(http, car, "charging_find_stations", FIND).status_code in (200, 429)
    call = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "charging_find_stations", "arguments": FIND},
    }
    headers = bearer(car) | {"Accept": "application/json, text/event-stream"}
    answers = [http.post("/mcp", json=call, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [200] * 3, [a.text for a in answers]
    results = [a.json()["result"] for a in answers]
    limited = [r for r in results if r["isError"] and "rate-limited" in r["content"][0]["text"]]
    assert limited, results
