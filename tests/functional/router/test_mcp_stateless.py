"""POST /mcp on the stateless 2026-07-28 revision: per-request headers and `_meta`, `server/discover`,
caching hints, and the driver's confirmation as a multi round-trip request with a sealed requestState
(charging and payments behind real Lambda Invoke payloads, DynamoDB and Secrets Manager from moto)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cockpit_dev.template import Template
from router.handler import lambda_handler as router
from tests.support import events as ev
from tests.support.aws import snapshot

V = "2026-07-28"
HERE = {"lat": 31.2304, "lon": 121.4737}
ELICIT = {"elicitation": {"form": {}}}
PAY = {
    "amount": {"amount": 4550, "currency": "CNY"},
    "merchant": "shanghai_star_charging",
    "purpose": "charging",
}


def post(
    method: str,
    params: dict[str, Any] | None = None,
    *,
    caps: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    sub: str = "vin-test-1",
) -> tuple[int, dict[str, Any]]:
    params = dict(params or {})
    params["_meta"] = {
        "io.modelcontextprotocol/protocolVersion": V,
        "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": caps if caps is not None else ELICIT,
        **params.get("_meta", {}),
    }
    sent = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": V, "Mcp-Method": method}
    if method == "tools/call":
        sent["Mcp-Name"] = str(params.get("name"))
    event = ev.api(
        "POST",
        "/mcp",
        raw_body=json.dumps({"jsonrpc": "2.0", "id": "r1", "method": method, "params": params}),
        headers={**sent, **(headers or {})},
        sub=sub,
    )
    out = router(event, None)
    return out["statusCode"], ev.body(out)


def call(name: str, arguments: dict[str, Any], **kw: Any) -> dict[str, Any]:
    status, doc = post("tools/call", {"name": name, "arguments": arguments, **kw.pop("extra", {})}, **kw)
    assert status == 200 and "result" in doc, doc
    return dict(doc["result"])


def accept(result: dict[str, Any], action: str = "accept") -> dict[str, Any]:
    return {
        "inputResponses": {"confirm": {"action": action, "content": {}}},
        "requestState": result["requestState"],
    }


def test_discover_names_both_eras_and_caches_publicly(gateway: Template) -> None:
    status, doc = post("server/discover")
    result = doc["result"]
    assert status == 200 and result["resultType"] == "complete"
    assert result["supportedVersions"] == [V, "2025-11-25", "2025-06-18", "2025-03-26"]
    assert (
        result["capabilities"] == {"tools": {}} and result["cacheScope"] == "public" and result["ttlMs"] > 0
    )
    assert result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "cockpit-gateway"


def test_tools_list_carries_private_caching_hints(gateway: Template) -> None:
    status, doc = post("tools/list")
    result = doc["result"]
    assert status == 200 and result["resultType"] == "complete" and result["cacheScope"] == "private"
    assert result["ttlMs"] == 60_000 and any(t["name"] == "cockpit_get_operation" for t in result["tools"])


@pytest.mark.parametrize(
    ("headers", "code", "status"),
    [
        ({"MCP-Protocol-Version": "2025-06-18"}, -32020, 400),  # the header says one thing, _meta another
        ({"Mcp-Method": "tools/call"}, -32020, 400),
    ],
)
def test_headers_must_agree_with_the_body(
    gateway: Template, headers: dict[str, str], code: int, status: int
) -> None:
    got, doc = post("tools/list", headers=headers)
    assert got == status and doc["error"]["code"] == code


def test_an_unknown_version_is_refused_naming_ours(gateway: Template) -> None:
    meta = {"_meta": {"io.modelcontextprotocol/protocolVersion": "2027-01-01"}}
    status, doc = post("tools/list", meta, headers={"MCP-Protocol-Version": "2027-01-01"})
    assert status == 400 and doc["error"]["code"] == -32022
    assert doc["error"]["data"]["requested"] == "2027-01-01" and V in doc["error"]["data"]["supported"]


def test_mcp_name_must_match_and_may_be_base64(gateway: Template) -> None:
    params = {"name": "charging_find_stations", "arguments": {"location": HERE, "limit": 1}}
    status, doc = post("tools/call", params, headers={"Mcp-Name": "payments_create_payment"})
    assert status == 400 and doc["error"]["code"] == -32020
    encoded = "=?base64?Y2hhcmdpbmdfZmluZF9zdGF0aW9ucw==?="  # charging_find_stations
    status, doc = post("tools/call", params, headers={"Mcp-Name": encoded})
    assert status == 200 and doc["result"]["resultType"] == "complete"


def test_initialize_and_ping_are_not_2026_methods(gateway: Template) -> None:
    for method in ("initialize", "ping"):
        status, doc = post(method)
        assert status == 404 and doc["error"]["code"] == -32601


def test_a_read_is_answered_at_once_with_structured_content(gateway: Template) -> None:
    result = call("charging_find_stations", {"location": HERE, "limit": 2})
    assert result["resultType"] == "complete" and result["isError"] is False
    assert json.loads(result["content"][0]["text"]) == result["structuredContent"]


def test_a_payment_is_asked_accepted_once_and_the_final_round_replays(gateway: Template) -> None:
    before = snapshot(gateway)
    asked = call("payments_create_payment", PAY)
    assert asked["resultType"] == "input_required" and "content" not in asked
    elicit = asked["inputRequests"]["confirm"]
    assert elicit["method"] == "elicitation/create" and elicit["params"]["mode"] == "form"
    assert elicit["params"]["message"].startswith("Pay ¥45.50 to Shanghai Star Charging")
    assert snapshot(gateway).keys() == before.keys()  # no payment exists yet
    paid = call("payments_create_payment", PAY, extra=accept(asked))
    payment = paid["structuredContent"]["payment"]
    assert paid["resultType"] == "complete" and paid["isError"] is False and payment["captured"]
    again = call("payments_create_payment", PAY, extra=accept(asked))  # the final round, retried
    assert again["structuredContent"]["payment"]["id"] == payment["id"]
    listed = call("payments_get_payment", {"payment_id": payment["id"]})
    assert listed["structuredContent"]["payment"]["id"] == payment["id"]


def test_decline_does_nothing_and_the_state_can_never_be_accepted_after(gateway: Template) -> None:
    asked = call("payments_create_payment", PAY)
    before = snapshot(gateway)
    declined = call("payments_create_payment", PAY, extra=accept(asked, "decline"))
    assert declined["isError"] is True and "declined" in declined["content"][0]["text"]
    late = call("payments_create_payment", PAY, extra=accept(asked))
    assert late["isError"] is True and json.loads(late["content"][0]["text"])["status"] == 409
    after = snapshot(gateway)
    assert {k: v for k, v in after.items() if "Idempotency" not in k} == {
        k: v for k, v in before.items() if "Idempotency" not in k
    }


def test_a_missing_answer_asks_again_with_the_same_state(gateway: Template) -> None:
    asked = call("payments_create_payment", PAY)
    again = call("payments_create_payment", PAY, extra={"requestState": asked["requestState"]})
    assert again["resultType"] == "input_required" and again["requestState"] == asked["requestState"]


@pytest.mark.parametrize("how", ["forged", "altered", "other_vehicle", "other_arguments", "other_tool"])
def test_a_state_that_is_not_this_calls_is_refused(gateway: Template, how: str) -> None:
    asked = call("payments_create_payment", PAY)
    state, args, name, sub = asked["requestState"], PAY, "payments_create_payment", "vin-test-1"
    if how == "forged":
        state = "cs1." + "A" * 80
    elif how == "altered":
        state = state[:-6] + ("AAAAAA" if not state.endswith("AAAAAA") else "BBBBBB")
    elif how == "other_vehicle":
        sub = "vin-someone-else"
    elif how == "other_arguments":
        args = {**PAY, "amount": {"amount": 455000, "currency": "CNY"}}
    else:
        name = "payments_refund_payment"
    before = snapshot(gateway)
    status, doc = post(
        "tools/call", {"name": name, "arguments": args, **accept({"requestState": state})}, sub=sub
    )
    assert status == 200 and doc["error"]["code"] == -32602 and "requestState" in doc["error"]["message"]
    assert snapshot(gateway) == before


def test_an_expired_state_is_refused(gateway: Template, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    asked = call("payments_create_payment", PAY)
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)
    status, doc = post("tools/call", {"name": "payments_create_payment", "arguments": PAY, **accept(asked)})
    assert status == 200 and doc["error"]["code"] == -32602 and "expired" in doc["error"]["message"]


def test_a_client_without_elicitation_is_told_what_it_lacks(gateway: Template) -> None:
    status, doc = post("tools/call", {"name": "payments_create_payment", "arguments": PAY}, caps={})
    assert status == 400 and doc["error"]["code"] == -32021
    assert doc["error"]["data"] == {"requiredCapabilities": {"elicitation": {"form": {}}}}


def test_a_write_without_a_question_takes_a_state_only_round_then_acts_once(gateway: Template) -> None:
    station = call("charging_find_stations", {"location": HERE, "limit": 1})["structuredContent"]["stations"][
        0
    ]
    asked = call("charging_start_session", {"station_id": station["id"]})
    session = call("charging_start_session", {"station_id": station["id"]}, extra=accept(asked))[
        "structuredContent"
    ]
    stop = {"session_id": session["session"]["id"]}
    first = call("charging_stop_session", stop, caps={})  # no question, so no elicitation capability needed
    assert first["resultType"] == "input_required" and "inputRequests" not in first
    done = call("charging_stop_session", stop, caps={}, extra={"requestState": first["requestState"]})
    assert done["resultType"] == "complete" and done["structuredContent"]["session"]["status"] == "COMPLETED"
    again = call("charging_stop_session", stop, caps={}, extra={"requestState": first["requestState"]})
    assert again["structuredContent"] == done["structuredContent"]  # the retried final round: first outcome


def test_charging_is_accepted_naming_its_session_and_followed_to_the_end(gateway: Template) -> None:
    station = call("charging_find_stations", {"location": HERE, "limit": 1})["structuredContent"]["stations"][
        0
    ]
    asked = call("charging_start_session", {"station_id": station["id"]})
    started = call("charging_start_session", {"station_id": station["id"]}, extra=accept(asked))
    session, operation = started["structuredContent"]["session"], started["structuredContent"]["operation"]
    assert (
        session["id"] in started["content"][0]["text"]
        and "cockpit_get_operation" in started["content"][0]["text"]
    )
    followed = call("cockpit_get_operation", operation["follow"]["arguments"])["structuredContent"][
        "operation"
    ]
    assert followed["status"] == "succeeded" and followed["result"]["session"]["id"] == session["id"]
    stranger = call("cockpit_get_operation", operation["follow"]["arguments"], sub="vin-someone-else")
    assert stranger["isError"] is True and json.loads(stranger["content"][0]["text"])["status"] == 404


def test_domain_not_found_is_a_tool_error_and_an_unknown_tool_a_protocol_error(gateway: Template) -> None:
    missing = call("payments_get_payment", {"payment_id": "pay_" + "0" * 24})
    assert missing["isError"] is True and json.loads(missing["content"][0]["text"])["status"] == 404
    status, doc = post("tools/call", {"name": "no_such_tool", "arguments": {}})
    assert status == 200 and doc["error"]["code"] == -32602


def test_a_decline_after_the_yes_was_acted_on_answers_the_first_outcome(gateway: Template) -> None:
    """The final round retried with another answer (a client that lost the first answer and asks again):
    the payment was made, so the answer is that payment, never 'declined, nothing changed'."""
    asked = call("payments_create_payment", PAY)
    paid = call("payments_create_payment", PAY, extra=accept(asked))
    before = snapshot(gateway)
    late = call("payments_create_payment", PAY, extra=accept(asked, "decline"))
    assert late["isError"] is False and late["structuredContent"] == paid["structuredContent"], late
    assert snapshot(gateway) == before


@pytest.mark.parametrize(
    ("params", "headers", "code", "status"),
    [
        ({"name": "payments_create_payment", "arguments": PAY, "requestState": 7}, {}, -32602, 200),
        (
            {
                "name": "payments_create_payment",
                "arguments": PAY,
                "requestState": "cs1.",
                "inputResponses": [],
            },
            {},
            -32602,
            200,
        ),
        ({"name": "payments_create_payment", "arguments": PAY, "requestState": "x" * 5000}, {}, -32602, 200),
        (
            {"name": "charging_find_stations", "arguments": {"location": HERE}},
            {"Mcp-Name": "=?base64?***?="},
            -32020,
            400,
        ),
        (
            {
                "name": "charging_find_stations",
                "arguments": {"location": HERE},
                "_meta": {"io.modelcontextprotocol/clientCapabilities": []},
            },
            {},
            -32602,
            200,
        ),
        (
            {
                "name": "charging_find_stations",
                "arguments": {"location": HERE},
                "_meta": {"cockpit/idempotency_key": "k" * 256},
            },
            {},
            -32602,
            200,
        ),
    ],
)
def test_bad_2026_rounds_are_json_rpc_errors_never_5xx(
    gateway: Template, params: dict[str, Any], headers: dict[str, str], code: int, status: int
) -> None:
    before = snapshot(gateway)
    got, doc = post("tools/call", params, headers=headers)
    assert got == status and doc["error"]["code"] == code, doc
    assert snapshot(gateway) == before


def test_a_2026_request_without_its_meta_is_told_which_field_is_missing(gateway: Template) -> None:
    message = {"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {}}
    headers = {"MCP-Protocol-Version": V, "Mcp-Method": "server/discover", "Content-Type": "application/json"}
    out = router(ev.api("POST", "/mcp", raw_body=json.dumps(message), headers=headers), None)
    error = ev.body(out)["error"]
    assert out["statusCode"] == 400 and error["code"] == -32020
    assert "params._meta['io.modelcontextprotocol/protocolVersion'] is required" in error["message"]
