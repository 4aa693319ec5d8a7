"""An MCP client's session against the gateway over HTTP: initialize, list the tools, call one, confirm a
write through `_meta` — with a real vehicle token through the authorizer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx

PEOPLES_SQUARE = {"lat": 31.2304, "lon": 121.4737}
ACCEPT = "application/json, text/event-stream"


class McpClient:
    def __init__(self, http: httpx.Client, token: str) -> None:
        self.http, self.token, self.next_id, self.version = http, token, 0, ""

    def post(self, message: dict[str, Any]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": ACCEPT}
        if self.version:
            headers["MCP-Protocol-Version"] = self.version
        return self.http.post("/mcp", json=message, headers=headers)

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        response = self.post({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        doc: dict[str, Any] = response.json()
        assert doc["id"] == self.next_id and "result" in doc, doc
        return dict(doc["result"])


def test_an_mcp_client_finds_and_starts_charging(http: httpx.Client, token: Callable[..., str]) -> None:
    client = McpClient(http, token("vehicle", f"vin-mcp-{uuid.uuid4().hex[:8]}"))
    hello = client.request(
        "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {}}
    )
    assert hello["protocolVersion"] == "2025-06-18" and "tools" in hello["capabilities"]
    client.version = hello["protocolVersion"]
    assert client.post({"jsonrpc": "2.0", "method": "notifications/initialized"}).status_code == 202

    names = {t["name"] for t in client.request("tools/list", {})["tools"]}
    assert {"charging_find_stations", "charging_start_session"} <= names

    found = client.request(
        "tools/call", {"name": "charging_find_stations", "arguments": {"location": PEOPLES_SQUARE}}
    )
    station = found["structuredContent"]["stations"][0]["id"]
    assert json.loads(found["content"][0]["text"]) == found["structuredContent"]

    key = {"cockpit/idempotency_key": f"mcp-{uuid.uuid4().hex}"}
    start = {"name": "charging_start_session", "arguments": {"station_id": station}}
    asked = client.request("tools/call", {**start, "_meta": key})
    confirmation = asked["_meta"]["cockpit/confirmation"]
    assert confirmation["token"] not in json.dumps(asked["content"])
    done = client.request(
        "tools/call", {**start, "_meta": {**key, "cockpit/confirmation_token": confirmation["token"]}}
    )
    operation = done["structuredContent"]["operation"]
    assert operation["poll"].startswith("/v1/operations/")
    assert done["structuredContent"]["session"]["id"].startswith("cs_")  # the accepted answer names it


def test_mcp_needs_a_vehicle_token(http: httpx.Client, token: Callable[..., str]) -> None:
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    assert http.post("/mcp", json=ping).status_code == 401
    partner = {"Authorization": f"Bearer {token('partner', 'acme')}"}
    assert http.post("/mcp", json=ping, headers=partner).status_code == 403
    vehicle = {"Authorization": f"Bearer {token('vehicle', 'vin-mcp-get')}"}
    stream = http.get("/mcp", headers=vehicle)
    assert stream.status_code == 405 and stream.headers["allow"] == "POST"
