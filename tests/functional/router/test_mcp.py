"""POST /mcp: the catalog and tool calls over MCP's Streamable HTTP transport, through the same dispatch as
/v1/tools/{name}/invoke (charging behind real Lambda Invoke payloads, DynamoDB from moto)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cockpit_dev.template import Template
from router.handler import lambda_handler as router
from tests.support import events as ev
from tests.support.aws import snapshot

HERE = {"lat": 31.2304, "lon": 121.4737}
FIND = "charging_find_stations"
JSON = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def post(message: Any, *, raw: str | None = None, headers: dict[str, str] | None = None, **kw: Any) -> Any:
    event = ev.api(
        "POST",
        "/mcp",
        raw_body=raw if raw is not None else json.dumps(message),
        headers={**JSON, **(headers or {})},
        **kw,
    )
    return router(event, None)


def rpc(method: str, params: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    out = post({"jsonrpc": "2.0", "id": 7, "method": method, "params": params or {}}, **kw)
    assert out["statusCode"] == 200, out
    doc: dict[str, Any] = ev.body(out)
    assert doc["jsonrpc"] == "2.0" and doc["id"] == 7
    return doc


def test_initialize_negotiates_a_supported_revision(gateway: Template) -> None:
    doc = rpc(
        "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t"}}
    )
    result = doc["result"]
    assert result["protocolVersion"] == "2025-06-18"
    assert result["capabilities"] == {"tools": {"listChanged": False}}
    assert result["serverInfo"]["name"] == "cockpit-gateway"
    unknown = rpc("initialize", {"protocolVersion": "1999-01-01"})["result"]["protocolVersion"]
    assert unknown == "2025-11-25"


def test_notifications_and_client_responses_get_202_and_no_body(gateway: Template) -> None:
    for message in (
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 3, "result": {}},
    ):
        out = post(message)
        assert out["statusCode"] == 202 and out["body"] == ""


def test_tools_list_is_the_mcp_catalog(gateway: Template) -> None:
    tools = rpc("tools/list")["result"]["tools"]
    listed = ev.body(router(ev.api("GET", "/v1/tools", query={"format": "mcp"}), None))["tools"]
    assert tools == listed
    find = next(t for t in tools if t["name"] == "charging_find_stations")
    assert find["annotations"]["readOnlyHint"] is True and find["inputSchema"]["type"] == "object"


def test_tools_call_answers_content_and_structured_content(gateway: Template) -> None:
    result = rpc("tools/call", {"name": FIND, "arguments": {"location": HERE, "limit": 3}})["result"]
    assert result["isError"] is False
    stations = result["structuredContent"]["stations"]
    assert 1 <= len(stations) <= 3
    assert json.loads(result["content"][0]["text"]) == result["structuredContent"]


def test_confirmation_travels_in_meta_never_in_the_content(gateway: Template) -> None:
    station = rpc("tools/call", {"name": FIND, "arguments": {"location": HERE, "limit": 1}})["result"][
        "structuredContent"
    ]["stations"][0]["id"]
    params: dict[str, Any] = {"name": "charging_start_session", "arguments": {"station_id": station}}
    asked = rpc("tools/call", {**params, "_meta": {"cockpit/idempotency_key": "mcp-start-1"}})["result"]
    confirmation = asked["_meta"]["cockpit/confirmation"]
    assert confirmation["token"] not in asked["content"][0]["text"]
    assert asked["content"][0]["text"].startswith("Confirmation required")

    meta = {"cockpit/idempotency_key": "mcp-start-1", "cockpit/confirmation_token": confirmation["token"]}
    done = rpc("tools/call", {**params, "_meta": meta})["result"]
    assert done["_meta"]["cockpit/operation"]["poll"].startswith("/v1/operations/")
    # The token is single-use: the same yes cannot start a second session.
    again = rpc("tools/call", {**params, "_meta": {**meta, "cockpit/idempotency_key": "mcp-start-2"}})[
        "result"
    ]
    assert again["isError"] is True
    assert json.loads(again["content"][0]["text"])["status"] == 409


def test_tool_errors_are_results_with_is_error(gateway: Template) -> None:
    before = snapshot(gateway)
    bad = rpc("tools/call", {"name": FIND, "arguments": {"location": {"lat": 91, "lon": 0}}})
    problem = json.loads(bad["result"]["content"][0]["text"])
    assert bad["result"]["isError"] is True and problem["status"] == 422
    assert any(e.get("pointer") == "/arguments/location/lat" for e in problem["errors"])
    no_key = rpc(
        "tools/call", {"name": "charging_stop_session", "arguments": {"session_id": "cs_" + "0" * 24}}
    )
    assert json.loads(no_key["result"]["content"][0]["text"])["status"] == 400
    assert snapshot(gateway) == before


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"name": "no_such_tool", "arguments": {}}, -32602),
        ({"arguments": {}}, -32602),
        ({"name": FIND, "arguments": []}, -32602),
        ({"name": "charging_find_stations", "_meta": {"cockpit/confirmation_token": ""}}, -32602),
    ],
)
def test_bad_tool_calls_are_json_rpc_errors(gateway: Template, params: dict[str, Any], code: int) -> None:
    assert rpc("tools/call", params)["error"]["code"] == code


def test_unknown_method_is_method_not_found(gateway: Template) -> None:
    assert rpc("resources/list")["error"]["code"] == -32601


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", -32700),
        ('[{"jsonrpc": "2.0", "id": 1, "method": "ping"}]', -32600),
        ('{"jsonrpc": "1.0", "id": 1, "method": "ping"}', -32600),
        ('{"jsonrpc": "2.0", "id": true, "method": "ping"}', -32600),
        ('{"jsonrpc": "2.0", "id": 1, "method": "ping", "params": [1]}', -32600),
        ('"ping"', -32600),
    ],
)
def test_malformed_messages_are_400_with_a_json_rpc_error(gateway: Template, raw: str, code: int) -> None:
    out = post(None, raw=raw)
    assert out["statusCode"] == 400
    assert ev.body(out)["error"]["code"] == code


def test_json_nested_5000_deep_is_a_400_problem_never_a_500(gateway: Template) -> None:
    deep = '{"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"x": ' + "[" * 5000 + "]" * 5000 + "}}"
    out = post(None, raw=deep)
    assert ev.is_problem(out, 400) and "deeper than 128" in ev.body(out)["detail"]
    mine = '{"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"x": ' + "[" * 100 + "]" * 100 + "}}"
    assert post(None, raw=mine)["statusCode"] == 200  # deep, but within any parser's reach


def test_an_unsupported_protocol_version_header_is_400(gateway: Template) -> None:
    out = post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers={"MCP-Protocol-Version": "2024-01-01"})
    assert out["statusCode"] == 400 and ev.body(out)["error"]["code"] == -32600
    ok = post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers={"MCP-Protocol-Version": "2025-06-18"})
    assert ok["statusCode"] == 200 and ev.body(ok)["result"] == {}


@pytest.mark.parametrize(
    ("headers", "role", "status"),
    [
        ({"Origin": "https://evil.example"}, "vehicle", 403),
        ({"Accept": "text/event-stream"}, "vehicle", 406),
        ({"Content-Type": "text/plain"}, "vehicle", 415),
        ({}, "partner", 403),
    ],
)
def test_http_refusals_are_problem_documents(
    gateway: Template, headers: dict[str, str], role: str, status: int
) -> None:
    out = post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers=headers, role=role)
    assert ev.is_problem(out, status)


def test_get_is_405_no_stream(gateway: Template) -> None:
    out = router(ev.api("GET", "/mcp"), None)
    assert ev.is_problem(out, 405) and out["headers"]["Allow"] == "POST"
