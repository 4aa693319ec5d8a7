"""A second, independent MCP client: the official TypeScript SDK's (`@modelcontextprotocol/client`, pinned in
tests/e2e/mcp_ts/package-lock.json and installed by `make e2e` with `npm ci`) lists the tools and calls them
over HTTP, on the handshake revision and on 2026-07-28, where it also answers the payment's question."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.local_gateway import GatewayUrl

HERE = Path(__file__).parent / "mcp_ts"


def probe(url: GatewayUrl, token: str, mode: str) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules").is_dir():
        pytest.fail("node and tests/e2e/mcp_ts/node_modules are needed: run `make e2e` (it runs npm ci)")
    done = subprocess.run(
        [node, str(HERE / "probe.mjs"), f"{url}/mcp", token, mode],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_the_typescript_sdk_lists_and_calls_tools(
    gateway_url: GatewayUrl, token: Callable[..., str], mode: str
) -> None:
    seen = probe(gateway_url, token("vehicle", f"vin-ts-{uuid.uuid4().hex[:8]}"), mode)
    assert {"charging_find_stations", "payments_create_payment", "cockpit_get_operation"} <= set(
        seen["tools"]
    )
    assert str(seen["station"]).startswith("CN-")
    if mode == "legacy":
        assert seen["version"] == "2025-11-25" and seen["paid"] is None
        return
    assert seen["version"] == "2026-07-28" and seen["paidError"] is False
    assert seen["paid"]["payment"]["amount"] == {"amount": 4550, "currency": "CNY"}
    assert len(seen["questions"]) == 1 and seen["questions"][0].startswith("Pay ¥45.50")
