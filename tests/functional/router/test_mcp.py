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
    assert confirmation["token"] not in json.dumps([asked["content"], asked["structuredContent"]])
    assert asked["content"][0]["text"].startswith("Nothing has happened yet. Ask the driver: Start charging")
    assert asked["structuredContent"]["confirmation_required"]["summary"] == confirmation["summary"]

    meta = {"cockpit/idempotency_key": "mcp-start-1", "cockpit/confirmation_token": confirmation["token"]}
    done = rpc("tools/call", {**params, "_meta": meta})["result"]
    session = done["structuredContent"]["session"]  # the accepted answer names what it created
    assert session["id"].startswith("cs_") and session["station_id"] == station
    operation = done["structuredContent"]["operation"]
    assert operation["follow"] == {
        "tool": "cockpit_get_operation",
        "arguments": {"operation_id": operation["id"]},
    }
    followed = rpc("tools/call", operation["follow"] | {"name": "cockpit_get_operation"})["result"]
    assert followed["structuredContent"]["operation"]["status"] == "succeeded"
    assert followed["structuredContent"]["operation"]["result"]["session"]["id"] == session["id"]
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
    refused = json.loads(no_key["result"]["content"][0]["text"])
    assert refused["status"] == 400 and 'params._meta["cockpit/idempotency_key"]' in refused["detail"]
    # A charging session that does not exist is the tool's answer (isError), not an unknown tool.
    missing = rpc(
        "tools/call",
        {"name": "charging_get_session", "arguments": {"session_id": "cs_" + "0" * 24}},
    )["result"]
    assert missing["isError"] is True and json.loads(missing["content"][0]["text"])["status"] == 404
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
        ('{"jsonrpc": "2.0", "id": null, "method": "ping"}', -32600),
        ('{"jsonrpc": "2.0", "id": 1.5, "method": "ping"}', -32600),
        ('{"jsonrpc": "2.0", "id": {"a": 1}, "method": "ping"}', -32600),
        ('{"jsonrpc": "2.0", "id": 1}', -32600),
        (
            '{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "x", "arguments": '
            + '{"a": ' * 100
            + "1"
            + "}" * 100
            + "}}",
            -32600,
        ),
    ],
)
def test_malformed_messages_are_400_with_a_json_rpc_error(gateway: Template, raw: str, code: int) -> None:
    out = post(None, raw=raw)
    assert out["statusCode"] == 400
    assert ev.body(out)["error"]["code"] == code


def test_json_nested_5000_deep_is_a_400_problem_never_a_500(gateway: Template) -> None:
    deep = '{"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"x": ' + "[" * 5000 + "]" * 5000 + "}}"
    out = post(None, raw=deep)  # the API's own depth check (every route) refuses it before MCP parses
    assert ev.is_problem(out, 400) and "deeper than 128" in ev.body(out)["detail"]
    mine = '{"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"x": ' + "[" * 50 + "]" * 50 + "}}"
    assert post(None, raw=mine)["statusCode"] == 200  # deep, but within MCP's own 64 levels


def test_an_oversized_body_is_413_not_5xx(gateway: Template) -> None:
    big = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": FIND, "arguments": {"x": "y" * 300_000}},
    }
    assert ev.is_problem(post(big), 413)


def test_an_unsupported_protocol_version_header_is_400(gateway: Template) -> None:
    out = post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers={"MCP-Protocol-Version": "2024-01-01"})
    error = ev.body(out)["error"]
    assert out["statusCode"] == 400 and error["code"] == -32022
    assert error["data"] == {
        "supported": ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"],
        "requested": "2024-01-01",
    }
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


@pytest.mark.parametrize("depth", [5000, 900])
def test_deeply_nested_rest_bodies_are_4xx_too(gateway: Template, depth: int) -> None:
    arguments = '{"a": ' * depth + "1" + "}" * depth
    raw = '{"arguments": {"location": ' + arguments + "}}"
    event = ev.api(
        "POST",
        "/v1/tools/{name}/invoke",
        path_params={"name": FIND},
        raw_body=raw,
        headers={"Content-Type": "application/json"},
    )
    out = router(event, None)
    assert 400 <= out["statusCode"] < 500, out
