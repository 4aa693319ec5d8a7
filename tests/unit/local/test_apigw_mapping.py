"""Proxy event (format 1.0) and proxy response mapping, and gateway responses."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from cockpit.local.apigw import ApiGateway, HttpRequest, proxy_event, proxy_response
from cockpit.local.pool import WorkerPool
from cockpit.local.routing import RouteTable
from cockpit.local.template import load_template

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
    not_found = gateway.gateway_response(API, "RESOURCE_NOT_FOUND", 404, "No route for /x.")
    assert not_found.headers == [("Content-Type", "application/problem+json")]
    assert json.loads(not_found.body) == {
        "type": "https://cockpit-gateway.dev/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "No route for /x.",
    }


def test_unknown_route_and_wrong_method_without_any_function() -> None:
    gateway = ApiGateway(TEMPLATE, WorkerPool([]))
    missing = gateway.handle(HttpRequest("GET", "/nope", [], b""))
    assert missing.status == 404
    wrong = gateway.handle(HttpRequest("DELETE", "/v1/tools", [], b""))
    assert wrong.status == 405
    assert ("Allow", "GET") in wrong.headers
    unauthenticated = gateway.handle(HttpRequest("GET", "/v1/tools", [], b""))
    assert unauthenticated.status == 401
    assert any(name == "X-Request-Id" for name, _ in unauthenticated.headers)
