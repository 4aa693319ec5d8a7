"""Proxy event (format 1.0) and proxy response mapping, and gateway responses."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cockpit.errors import PROBLEM_BASE
from cockpit_dev.apigw import ApiGateway, HttpRequest, proxy_event, proxy_response
from cockpit_dev.pool import FunctionWorkers, InvokeResult, WorkerPool
from cockpit_dev.routing import RouteTable
from cockpit_dev.template import Function, GatewayResponse, load_template

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = load_template(ROOT / "template.yaml")
API = TEMPLATE.apis["CockpitApi"]


def event_for(request: HttpRequest, authorizer: dict[str, str] | None = None) -> dict[str, Any]:
    match = RouteTable(TEMPLATE.routes).match(request.target.split("?")[0])
    assert match is not None
    route = match.route_for(request.method)
    assert route is not None
    return proxy_event(request, match, route, API, "req-1", authorizer, 1_700_000_000.5)


def test_proxy_event_shape() -> None:
    request = HttpRequest(
        "POST",
        "/v1/tools/charging.start/invoke?dry=1&tag=a&tag=b&empty=",
        [("Host", "127.0.0.1:3000"), ("User-Agent", "t/1"), ("X-Multi", "1"), ("X-Multi", "2")],
        b'{"a": 1}',
        "10.0.0.7",
    )
    event = event_for(request, {"principalId": "vin-1", "role": "vehicle"})
    assert event["resource"] == "/v1/tools/{name}/invoke"
    assert event["path"] == "/v1/tools/charging.start/invoke"
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"name": "charging.start"}
    assert event["queryStringParameters"] == {"dry": "1", "tag": "b", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {"dry": ["1"], "tag": ["a", "b"], "empty": [""]}
    assert event["headers"]["X-Multi"] == "2"
    assert event["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert event["headers"]["X-Forwarded-For"] == "10.0.0.7"
    assert event["stageVariables"] is None
    assert (event["body"], event["isBase64Encoded"]) == ('{"a": 1}', False)
    context = event["requestContext"]
    assert context["resourcePath"] == "/v1/tools/{name}/invoke"
    assert context["stage"] == "live"
    assert context["apiId"] == API.api_id
    assert context["requestId"] == "req-1"
    assert context["requestTimeEpoch"] == 1_700_000_000_500
    assert context["identity"]["sourceIp"] == "10.0.0.7"
    assert context["identity"]["userAgent"] == "t/1"
    assert context["authorizer"] == {"principalId": "vin-1", "role": "vehicle"}
    assert context["domainName"] == "127.0.0.1:3000"
    json.dumps(event)


def test_proxy_event_without_query_or_body_and_binary_bodies() -> None:
    plain = event_for(HttpRequest("GET", "/v1/tools", [], b""))
    assert plain["queryStringParameters"] is None
    assert plain["multiValueQueryStringParameters"] is None
    assert plain["pathParameters"] is None
    assert (plain["body"], plain["isBase64Encoded"]) == (None, False)
    binary = event_for(HttpRequest("POST", "/v1/tools/x/invoke", [], b"\xff\x00\xfe"))
    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == b"\xff\x00\xfe"


def test_proxy_response_mapping() -> None:
    response = proxy_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain", "X-One": "1", "Content-Length": "999"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "X-One": ["1a", "1b"]},
            "body": "created",
        }
    )
    assert response is not None
    assert response.status == 201
    assert response.body == b"created"
    assert ("Set-Cookie", "a=1") in response.headers
    assert ("Set-Cookie", "b=2") in response.headers
    assert [v for k, v in response.headers if k == "X-One"] == ["1a", "1b"]  # multiValueHeaders win
    assert not any(k == "Content-Length" for k, _ in response.headers)


def test_proxy_response_defaults_and_base64() -> None:
    empty = proxy_response({"statusCode": 204})
    assert empty is not None
    assert (empty.status, empty.body) == (204, b"")
    assert ("Content-Type", "application/json") in empty.headers
    binary = proxy_response(
        {"statusCode": "200", "body": base64.b64encode(b"\x00\x01").decode(), "isBase64Encoded": True}
    )
    assert binary is not None
    assert binary.body == b"\x00\x01"


@pytest.mark.parametrize(
    "answer",
    [
        None,
        "just a string",
        {"body": "no status"},
        {"statusCode": True},
        {"statusCode": 700},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "headers": ["x"]},
        {"statusCode": 200, "multiValueHeaders": {"X": "not a list"}},
        {"statusCode": 200, "headers": {"X": {"nested": 1}}},
        {"statusCode": 200, "body": "%%%", "isBase64Encoded": True},
    ],
)
def test_malformed_proxy_responses(answer: Any) -> None:
    assert proxy_response(answer) is None


def test_gateway_responses_come_from_the_template_else_problem_json() -> None:
    gateway = ApiGateway(TEMPLATE, WorkerPool([]))
    unauthorized = gateway.gateway_response(API, "UNAUTHORIZED", 401, "missing")
    assert unauthorized.status == 401
    assert ("WWW-Authenticate", "Bearer") in unauthorized.headers
    assert json.loads(unauthorized.body)["type"] == "https://cockpit-gateway.dev/problems/unauthorized"
    bare = gateway.gateway_response(None, "BAD_REQUEST_BODY", 400, "Malformed request body.")
    assert bare.headers == [("Content-Type", "application/problem+json")]
    assert json.loads(bare.body) == {
        "type": "https://cockpit-gateway.dev/problems/bad-request",
        "title": "Bad request",
        "status": 400,
        "detail": "Malformed request body.",
    }


class FakeWorkers(FunctionWorkers):
    """A function that answers `result` (and counts its calls) without a worker process."""

    def __init__(self, function: Function, result: InvokeResult) -> None:
        super().__init__(function, {})
        self.result = result
        self.calls = 0

    def invoke(self, payload: bytes, request_id: str | None = None) -> InvokeResult:
        self.calls += 1
        return self.result


ALLOW = InvokeResult(
    json.dumps(
        {
            "principalId": "vin-1",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}],
            },
        }
    ).encode()
)
OK = InvokeResult(json.dumps({"statusCode": 200, "body": "{}"}).encode())


def failure(error_type: str, message: str) -> InvokeResult:
    return InvokeResult(json.dumps({"errorType": error_type, "errorMessage": message}).encode(), "Unhandled")


def gateway_for(
    authorizer: InvokeResult = ALLOW,
    router: InvokeResult = OK,
    responses: dict[str, GatewayResponse] | None = None,
    **options: Any,
) -> ApiGateway:
    """The real template's API (or one with other gateway responses) with fake functions."""
    api = API if responses is None else replace(API, gateway_responses=responses)
    template = replace(TEMPLATE, apis={**TEMPLATE.apis, API.logical_id: api})
    pool = WorkerPool(
        [
            FakeWorkers(TEMPLATE.functions["AuthorizerFunction"], authorizer),
            FakeWorkers(TEMPLATE.functions["RouterFunction"], router),
        ]
    )
    return ApiGateway(template, pool, **options)


TOOLS = HttpRequest(
    "GET", "/v1/tools", [("Authorization", "Bearer h.p.s")], b""
)  # JWT-shaped: the ValidationExpression
PROBLEM = GatewayResponse(None, {"Content-Type": "application/problem+json"}, None)
MINE = GatewayResponse(599, {"Content-Type": "text/plain"}, "mine: $context.error.messageString")


@pytest.mark.parametrize(
    ("answer", "status", "slug"),
    [
        (failure("Exception", "Unauthorized"), 401, "unauthorized"),  # the template's UNAUTHORIZED
        (failure("Exception", "unauthorized"), 502, "bad-gateway"),  # only the exact message is a 401
        (failure("ValueError", "the authorizer broke"), 502, "bad-gateway"),  # its DEFAULT_5XX
        (failure("Sandbox.Timedout", "Task timed out after 3.00 seconds"), 502, "bad-gateway"),
        (InvokeResult(b'{"principalId": "x"}'), 502, "bad-gateway"),  # an invalid policy
    ],
)
def test_authorizer_failures_are_5xx_unless_the_error_is_unauthorized(
    answer: InvokeResult, status: int, slug: str
) -> None:
    response = gateway_for(authorizer=answer).handle(TOOLS)
    assert response.status == status
    assert json.loads(response.body)["type"].endswith(f"/problems/{slug}")


def test_authorizer_failures_use_the_most_specific_gateway_response() -> None:
    crash = failure("ValueError", "boom")
    specific = gateway_for(crash, responses={"AUTHORIZER_CONFIGURATION_ERROR": MINE, "DEFAULT_5XX": PROBLEM})
    response = specific.handle(TOOLS)
    assert (response.status, response.body) == (599, b'mine: "The authorizer failed."')
    fallback = gateway_for(crash, responses={}).handle(TOOLS)
    assert fallback.status == 500
    assert fallback.headers[0] == ("Content-Type", "application/problem+json")


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/nope"), ("DELETE", "/v1/tools"), ("GET", "/v1/tools/x/invoke")]
)
def test_unknown_routes_and_methods_are_missing_authentication_token(method: str, path: str) -> None:
    gateway = gateway_for()
    response = gateway.handle(HttpRequest(method, path, [], b""))
    assert response.status == 404  # the template's MISSING_AUTHENTICATION_TOKEN (StatusCode 404)
    assert json.loads(response.body)["detail"] == "No such route (or method) in this API."
    assert not any(name == "Allow" for name, _ in response.headers)
    aws_default = gateway_for(responses={}).handle(HttpRequest(method, path, [], b""))
    assert (aws_default.status, aws_default.body) == (403, b'{"message":"Missing Authentication Token"}')
    four_xx = gateway_for(responses={"DEFAULT_4XX": MINE}).handle(HttpRequest(method, path, [], b""))
    assert four_xx.status == 599  # DEFAULT_4XX's StatusCode, as AWS applies it to every 4XX type


def test_the_emulators_own_responses_come_from_the_templates_gateway_responses() -> None:
    no_token = gateway_for().handle(HttpRequest("GET", "/v1/tools", [], b""))
    assert (no_token.status, json.loads(no_token.body)["type"]) == (401, PROBLEM_BASE + "unauthorized")
    assert any(name == "X-Request-Id" for name, _ in no_token.headers)
    denied = gateway_for(authorizer=InvokeResult(ALLOW.payload.replace(b"Allow", b"Deny"))).handle(TOOLS)
    assert (denied.status, json.loads(denied.body)["type"]) == (403, PROBLEM_BASE + "forbidden")
    too_large = gateway_for().too_large("/v1/tools", 11 * 1024 * 1024)
    assert (too_large.status, json.loads(too_large.body)["type"]) == (413, PROBLEM_BASE + "payload-too-large")
    crashed = gateway_for(router=failure("RuntimeError", "boom")).handle(TOOLS)
    assert (crashed.status, json.loads(crashed.body)["type"]) == (502, PROBLEM_BASE + "bad-gateway")
    slow = gateway_for(integration_timeout=0.0).handle(TOOLS)
    assert (slow.status, json.loads(slow.body)["type"]) == (504, PROBLEM_BASE + "upstream-timeout")
    assert gateway_for().handle(TOOLS).status == 200
