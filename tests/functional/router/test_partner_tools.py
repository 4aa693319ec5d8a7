"""Partner tools through the router: the catalog in all four formats, calls over real HTTP to the local
parking-operator server (development mode: loopback http), secrets from moto, a fake registry source.
Each refusal is a problem document; nothing is written and, where the gateway refuses, nothing is sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from cockpit.partners.model import OAuth2ClientCredentials
from cockpit_dev.template import Template
from router.handler import lambda_handler as router
from tests.support import events as ev
from tests.support.aws import aws_from_template, snapshot
from tests.support.mcp_host import MODERN, Host
from tests.support.partner_server import CLIENT_ID, CLIENT_SECRET, PartnerServer
from tests.support.partners import (
    API_KEY,
    CONTRACT,
    PARTNER,
    SIGNING_KEY,
    FakePartnerToolSource,
    api_key_auth,
    parking_tools,
    verify_signature,
)
from tests.support.wiring import wire

SEARCH, GET_SPOT, RESERVE = (
    "acme_parking_search_spots",
    "acme_parking_get_spot",
    "acme_parking_create_reservation",
)
VIN = "vin-test-1"


@pytest.fixture
def server() -> Iterator[PartnerServer]:
    with PartnerServer() as s:
        yield s


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Template]:
    params = {"DevelopmentMode": "true"}
    with aws_from_template(monkeypatch, "RouterFunction", "ChargingFunction", parameters=params) as template:
        yield template


def _secret(name: str, value: dict[str, str]) -> str:
    client = boto3.client("secretsmanager")
    return str(client.create_secret(Name=name, SecretString=json.dumps(value))["ARN"])


@pytest.fixture
def registry(aws: Template, server: PartnerServer, monkeypatch: pytest.MonkeyPatch) -> FakePartnerToolSource:
    signing = _secret("cockpit/partners/acme/signing", {"key": SIGNING_KEY})
    key = _secret("cockpit/partners/acme/api-key", {"value": API_KEY})
    source = FakePartnerToolSource(
        parking_tools(server.base_url, signing_arn=signing, auth=api_key_auth(key))
    )
    wire("cockpit.dispatch", partner_source=source)
    return source


@pytest.fixture
def unchanged(aws: Template) -> Iterator[None]:
    before = snapshot(aws)
    yield
    assert snapshot(aws) == before


def call(tool: str, arguments: Any, **kw: Any) -> dict[str, Any]:
    return router(ev.invoke(tool, arguments, **kw), None)


def listing(fmt: str, role: str = "vehicle", sub: str = VIN) -> dict[str, Any]:
    out = router(ev.api("GET", "/v1/tools", query={"format": fmt}, role=role, sub=sub), None)
    assert out["statusCode"] == 200
    return ev.body(out)


def problem(out: dict[str, Any], status: int, slug: str) -> dict[str, Any]:
    assert out["statusCode"] == status, out["body"]
    assert out["headers"]["Content-Type"] == "application/problem+json"
    doc = ev.body(out)
    assert doc["status"] == status and doc["type"].endswith("/" + slug), doc
    return doc


# --- the catalog ---


def test_vehicles_see_partner_tools_in_all_four_formats(registry: FakePartnerToolSource) -> None:
    native = {t["name"]: t for t in listing("native")["tools"]}
    assert {SEARCH, GET_SPOT, RESERVE} <= native.keys() and "charging_find_stations" in native
    assert native[SEARCH]["source"] == f"partner:{PARTNER}" and native[SEARCH]["effect"] == "read"
    assert native[RESERVE]["requires_confirmation"] is True
    assert native[SEARCH]["output_schema"]["$defs"]["Money"]["required"] == ["amount", "currency"]
    openai = {t["function"]["name"]: t for t in listing("openai")["tools"]}
    assert openai[SEARCH]["function"]["parameters"]["required"] == ["near"]
    bedrock = {t["toolSpec"]["name"] for t in listing("bedrock")["toolConfig"]["tools"]}
    assert {SEARCH, GET_SPOT, RESERVE, "charging_find_stations"} <= bedrock
    mcp = {t["name"]: t for t in listing("mcp")["tools"]}
    assert (
        mcp[SEARCH]["annotations"]["readOnlyHint"] is True
        and mcp[RESERVE]["annotations"]["readOnlyHint"] is False
    )
    assert all(mcp[t]["annotations"]["openWorldHint"] is True for t in (SEARCH, GET_SPOT, RESERVE))
    assert mcp["charging_find_stations"]["annotations"]["openWorldHint"] is False


def test_a_partner_sees_only_its_own_tools_and_an_admin_sees_all(
    registry: FakePartnerToolSource, server: PartnerServer
) -> None:
    signing = registry.tools[SEARCH].operation.signing_secret_arn
    other = parking_tools(server.base_url, signing_arn=signing, partner="partner-other", contract="ctr_other")
    registry.add(t.model_copy(update={"spec": t.spec.model_copy(update={"name": "washy_" + t.spec.name})})
                 for t in other)  # fmt: skip
    own = {t["name"] for t in listing("native", role="partner", sub=PARTNER)["tools"]}
    assert {SEARCH, GET_SPOT, RESERVE} <= own and not any(n.startswith("washy_") for n in own)
    everything = {t["name"] for t in listing("native", role="admin", sub="ops-1")["tools"]}
    assert {SEARCH, "washy_" + SEARCH} <= everything


def test_a_retired_contracts_tools_leave_the_catalog_at_once(registry: FakePartnerToolSource) -> None:
    assert SEARCH in {t["name"] for t in listing("native")["tools"]}
    registry.retire(CONTRACT)
    names = {t["name"] for t in listing("native")["tools"]}
    assert SEARCH not in names and "charging_find_stations" in names
    problem(call(SEARCH, {"near": [31.23, 121.47]}), 404, "tool-not-found")


# --- calls ---


def test_a_search_reaches_the_partner_exactly_as_the_binding_says(
    registry: FakePartnerToolSource, server: PartnerServer
) -> None:
    out = call(SEARCH, {"near": [31.2304, 121.4737], "radius_m": 800, "features": ["ev", "covered"]},
               headers={"Accept-Language": "zh-CN,zh;q=0.9"})  # fmt: skip
    assert out["statusCode"] == 200, out["body"]
    doc = ev.body(out)
    assert doc["status"] == "succeeded" and doc["result"]["spots"][0]["id"] == "spot-renmin-1"
    (got,) = server.received
    assert got.method == "GET"
    assert got.target == "/v2/spots?near=31.2304,121.4737&radius_m=800&features=ev,covered"
    assert got.headers["x-api-key"] == API_KEY
    assert got.headers["accept-language"] == "zh-CN"
    subject = got.headers["x-cockpit-subject"]
    assert subject.startswith("psn_") and VIN not in subject and VIN not in json.dumps(got.headers)
    assert verify_signature(SIGNING_KEY, "GET", got.target, got.headers, got.body).ok
    assert not verify_signature("another key", "GET", got.target, got.headers, got.body).ok


def test_the_pseudonym_is_stable_per_vehicle_and_differs_between_vehicles(
    registry: FakePartnerToolSource, server: PartnerServer
) -> None:
    for sub in (VIN, VIN, "vin-test-2"):
        assert call(GET_SPOT, {"spot_id": "spot-renmin-1"}, sub=sub)["statusCode"] == 200
    a, b, c = (r.headers["x-cockpit-subject"] for r in server.received)
    assert a == b != c


def test_a_write_without_confirmation_still_needs_an_idempotency_key(
    registry: FakePartnerToolSource, server: PartnerServer, unchanged: None
) -> None:
    tool = registry.tools[RESERVE]
    registry.add(
        [tool.model_copy(update={"spec": tool.spec.model_copy(update={"requires_confirmation": False})})]
    )
    problem(call(RESERVE, {"spot_id": "spot-renmin-1", "hours": 1}), 400, "idempotency-key-required")
    assert server.received == []


@pytest.mark.parametrize(
    ("spot_id", "sent"),
    [
        ("../admin?x=1#frag", "/v2/spots/..%2Fadmin%3Fx%3D1%23frag"),
        ("人民广场 P1", "/v2/spots/%E4%BA%BA%E6%B0%91%E5%B9%BF%E5%9C%BA%20P1"),
        ("100%", "/v2/spots/100%25"),
    ],
)
def test_hostile_path_values_are_encoded_and_never_leave_the_path(
    registry: FakePartnerToolSource, server: PartnerServer, spot_id: str, sent: str
) -> None:
    problem(call(GET_SPOT, {"spot_id": spot_id}), 404, "partner-resource-not-found")
    (got,) = server.received
    assert got.target == sent


def test_a_reservation_asks_first_then_sends_the_json_body_once(
    registry: FakePartnerToolSource, server: PartnerServer
) -> None:
    args = {"spot_id": "spot-renmin-1", "hours": 2, "plate": "沪A12345"}
    asked = ev.body(call(RESERVE, args, key="k-res-1"))
    assert asked["status"] == "confirmation_required" and "acme_parking" in asked["confirmation"]["summary"]
    assert server.received == []  # the question is the gateway's: the partner hears nothing yet
    token = asked["confirmation"]["token"]
    done = call(RESERVE, args, key="k-res-1", body={"confirmation_token": token})
    assert done["statusCode"] == 200, done["body"]
    assert ev.body(done)["result"]["status"] == "confirmed"
    (got,) = server.received
    assert got.method == "POST" and got.target == "/v2/reservations"
    assert json.loads(got.body) == args and got.headers["content-type"] == "application/json"
    assert verify_signature(SIGNING_KEY, "POST", got.target, got.headers, got.body).ok
    again = call(RESERVE, args, key="k-res-1", body={"confirmation_token": token})
    assert ev.body(again) == ev.body(done) and len(server.received) == 1  # replayed, not re-sent


def test_a_partner_reservation_over_mcp_2026_is_asked_by_elicitation_then_sent_once(
    registry: FakePartnerToolSource, server: PartnerServer
) -> None:
    host = Host(MODERN, VIN)
    args = {"spot_id": "spot-renmin-1", "hours": 2, "plate": "沪A12345"}
    asked = host.rpc("tools/call", {"name": RESERVE, "arguments": args})
    question = asked["inputRequests"]["confirm"]["params"]["message"]
    assert asked["resultType"] == "input_required" and "acme_parking" in question
    assert server.received == []  # the question is the gateway's: the partner hears nothing yet
    yes = {"confirm": {"action": "accept", "content": {}}}
    final = {"name": RESERVE, "arguments": args, "requestState": asked["requestState"], "inputResponses": yes}
    done = host.check(RESERVE, host.rpc("tools/call", final))
    assert done["status"] == "confirmed" and len(server.received) == 1
    again = host.check(RESERVE, host.rpc("tools/call", final))  # the final round retried
    assert again == done and len(server.received) == 1  # its first outcome, not sent again


def test_oauth2_client_credentials_fetches_one_token_for_many_calls(
    aws: Template, server: PartnerServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    signing = _secret("cockpit/partners/acme/signing", {"key": SIGNING_KEY})
    client = _secret("cockpit/partners/acme/oauth", {"client_secret": CLIENT_SECRET})
    auth = OAuth2ClientCredentials(token_url=server.token_url, client_id=CLIENT_ID, scopes=("spots:read",),
                                   secret_arn=client)  # fmt: skip
    source = FakePartnerToolSource(parking_tools(server.base_url, signing_arn=signing, auth=auth))
    wire("cockpit.dispatch", partner_source=source)
    server.behaviour.require_token = True
    for _ in range(3):
        assert call(GET_SPOT, {"spot_id": "spot-renmin-1"})["statusCode"] == 200
    assert server.behaviour.tokens_issued == 1
    assert {r.headers["authorization"] for r in server.received} == {"Bearer access-1"}
    server.behaviour.valid_tokens.clear()  # revoked: the 401 drops the token, one new one is fetched
    assert call(GET_SPOT, {"spot_id": "spot-renmin-1"})["statusCode"] == 200
    assert (
        server.behaviour.tokens_issued == 2
        and server.received[-1].headers["authorization"] == "Bearer access-2"
    )


# --- refusals: each its own problem, nothing written ---


@pytest.mark.parametrize(
    ("mode", "status", "slug"),
    [
        ("500", 502, "partner-refused"),
        ("big", 502, "upstream-bad-response"),
        ("html", 502, "upstream-bad-response"),
        ("garbage", 502, "upstream-bad-response"),
        ("redirect", 502, "partner-refused"),
        ("wrong-shape", 502, "upstream-bad-response"),
    ],
)
def test_a_partner_answering_badly_is_a_502(
    registry: FakePartnerToolSource, server: PartnerServer, unchanged: None, mode: str, status: int, slug: str
) -> None:
    server.behaviour.mode = mode
    doc = problem(call(SEARCH, {"near": [31.23, 121.47]}), status, slug)
    assert "acme_parking" in doc["detail"] or SEARCH in doc["detail"]
    if mode == "500":
        assert doc["partner_status"] == 500 and len(server.received) == 1  # a 500 is not retried
    if mode == "big":
        assert "1 MiB" in doc["detail"]
    if mode == "wrong-shape":
        assert "schema" in doc["detail"]
    if mode == "redirect":
        assert len(server.received) == 1  # never followed to the metadata address


def test_an_idempotent_call_is_retried_after_a_503(
    registry: FakePartnerToolSource, server: PartnerServer
) -> None:
    server.behaviour.mode = "503-once"
    out = call(GET_SPOT, {"spot_id": "spot-renmin-1"})
    assert out["statusCode"] == 200 and ev.body(out)["result"]["id"] == "spot-renmin-1"
    first, second = server.received
    assert first.target == second.target == "/v2/spots/spot-renmin-1"
    assert verify_signature(SIGNING_KEY, "GET", second.target, second.headers, second.body).ok


def test_a_slow_partner_is_a_504(
    aws: Template, server: PartnerServer, monkeypatch: pytest.MonkeyPatch, unchanged: None
) -> None:
    signing = _secret("cockpit/partners/acme/signing", {"key": SIGNING_KEY})
    source = FakePartnerToolSource(parking_tools(server.base_url, signing_arn=signing, timeout_ms=300))
    wire("cockpit.dispatch", partner_source=source)
    server.behaviour.mode, server.behaviour.slow_s = "slow", 1.5
    doc = problem(call(SEARCH, {"near": [31.23, 121.47]}), 504, "upstream-timeout")
    assert "0.3 s" in doc["detail"]


def test_a_failed_write_is_not_retried_and_leaves_no_idempotency_record(
    registry: FakePartnerToolSource, server: PartnerServer, unchanged: None
) -> None:
    args = {"spot_id": "spot-renmin-1", "hours": 1}
    token = ev.body(call(RESERVE, args, key="k-res-2"))["confirmation"]["token"]
    server.behaviour.mode = "500"
    problem(call(RESERVE, args, key="k-res-2", body={"confirmation_token": token}), 502, "partner-refused")
    assert len(server.received) == 1  # POST is not idempotent: one try only


def test_partner_4xx_names_the_partners_status(
    registry: FakePartnerToolSource, server: PartnerServer
) -> None:
    args = {"spot_id": "spot-nowhere", "hours": 1}
    token = ev.body(call(RESERVE, args, key="k-res-3"))["confirmation"]["token"]
    doc = problem(call(RESERVE, args, key="k-res-3", body={"confirmation_token": token}), 422,
                  "partner-rejected-arguments")  # fmt: skip
    assert doc["partner_status"] == 422
    doc = problem(call(GET_SPOT, {"spot_id": "spot-nowhere"}), 404, "partner-resource-not-found")
    assert doc["partner_status"] == 404


def test_arguments_that_break_the_schema_are_a_422_and_nothing_is_sent(
    registry: FakePartnerToolSource, server: PartnerServer, unchanged: None
) -> None:
    doc = problem(call(SEARCH, {"near": [31.23], "radius_m": 0, "extra": 1}), 422, "validation-failed")
    pointers = {e["pointer"] for e in doc["errors"]}
    assert {"/arguments/near", "/arguments/radius_m"} <= pointers
    assert server.received == []


def test_a_partner_that_keeps_failing_opens_its_breaker(
    registry: FakePartnerToolSource, server: PartnerServer
) -> None:
    server.behaviour.mode = "500"
    for _ in range(5):
        problem(call(GET_SPOT, {"spot_id": "spot-renmin-1"}), 502, "partner-refused")
    sent = len(server.received)
    out = call(GET_SPOT, {"spot_id": "spot-renmin-1"})
    problem(out, 503, "upstream-unavailable")
    assert int(out["headers"]["Retry-After"]) >= 1 and len(server.received) == sent  # answered fast, not sent


@pytest.mark.parametrize(
    ("base_url", "why"),
    [
        ("http://169.254.169.254/latest", "cloud metadata address"),
        ("http://10.0.0.8/v2", "private"),
        ("http://[::ffff:169.254.169.254]/v2", "carries 169.254.169.254"),
    ],
)
def test_a_forbidden_base_url_is_refused_before_sending(
    aws: Template,
    server: PartnerServer,
    monkeypatch: pytest.MonkeyPatch,
    unchanged: None,
    base_url: str,
    why: str,
) -> None:
    signing = _secret("cockpit/partners/acme/signing", {"key": SIGNING_KEY})
    source = FakePartnerToolSource(parking_tools(base_url, signing_arn=signing))
    wire("cockpit.dispatch", partner_source=source)
    doc = problem(call(SEARCH, {"near": [31.23, 121.47]}), 502, "upstream-bad-response")
    assert why in doc["detail"] and server.received == []


def test_outside_development_mode_loopback_http_is_refused(
    server: PartnerServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with aws_from_template(monkeypatch, "RouterFunction", "ChargingFunction") as template:
        before = snapshot(template)
        signing = _secret("cockpit/partners/acme/signing", {"key": SIGNING_KEY})
        source = FakePartnerToolSource(parking_tools(server.base_url, signing_arn=signing))
        wire("cockpit.dispatch", partner_source=source)
        doc = problem(call(SEARCH, {"near": [31.23, 121.47]}), 502, "upstream-bad-response")
        assert "https" in doc["detail"] and server.received == []
        assert snapshot(template) == before
