"""The API Gateway emulation end to end: `cockpit run` serving tests/support/localfn over HTTP."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.integration.local.conftest import DEVELOPER_ONLY, STACK
from tests.support.local_gateway import GatewayProcess

PROBLEM = "application/problem+json"
MB = 1024 * 1024


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    return body


def test_ready_line(fixture_gateway: GatewayProcess) -> None:
    pattern = (
        r"cockpit-gateway ready api=http://127\.0\.0\.1:\d+ lambda=http://127\.0\.0\.1:\d+ "
        r"aws=http://127\.0\.0\.1:\d+ \(moto, not started here, state not kept\) "
        r"\| try: curl -H \"Authorization: Bearer "
        r"\$\(\.venv/bin/cockpit token --role vehicle --sub vin-demo\)\" http://127\.0\.0\.1:\d+/echo/special"
        r" \(more tokens: make token\)"
    )
    assert re.fullmatch(pattern, fixture_gateway.ready_line), fixture_gateway.ready_line
    assert fixture_gateway.stdout_path.read_text().count("\n") == 1  # exactly one line on stdout


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/nowhere"), ("DELETE", "/echo/x"), ("HEAD", "/open"), ("TRACE", "/echo/x"),
     ("PROPFIND", "/open")],
)  # fmt: skip
def test_unknown_routes_and_methods_are_missing_authentication_token(
    api: httpx.Client, method: str, path: str
) -> None:
    # The fixture's API defines no MISSING_AUTHENTICATION_TOKEN (nor DEFAULT_4XX): AWS's default.
    response = api.request(method, path, headers=bearer("allow"))
    assert response.status_code == 403
    assert response.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    if method != "HEAD":
        assert response.json() == {"message": "Missing Authentication Token"}


def test_missing_token_is_401_with_the_templates_gateway_response(api: httpx.Client) -> None:
    response = api.get("/echo/x")
    body = assert_problem(response, 401)
    assert body["type"] == "https://example.test/unauthorized"  # GatewayResponses.UNAUTHORIZED
    assert response.headers["www-authenticate"] == "Bearer"


def test_only_an_unauthorized_error_from_the_authorizer_is_401(api: httpx.Client) -> None:
    body = assert_problem(api.get("/echo/x", headers=bearer("unauthorized")), 401)
    assert body["type"] == "https://example.test/unauthorized"  # GatewayResponses.UNAUTHORIZED


@pytest.mark.parametrize("token", ["crash", "slow", "invalid"])
def test_other_authorizer_failures_are_500(api: httpx.Client, token: str) -> None:
    # No AUTHORIZER_CONFIGURATION_ERROR nor DEFAULT_5XX in the fixture's API: a 500 problem+json.
    body = assert_problem(api.get("/echo/x", headers=bearer(token)), 500)
    assert "broke" not in body["detail"]
    assert api.get("/echo/x", headers=bearer("allow")).status_code == 200  # the authorizer recovers


def test_deny_is_403(api: httpx.Client) -> None:
    assert_problem(api.get("/echo/x", headers=bearer("deny")), 403)


def test_allow_must_cover_the_method_arn(api: httpx.Client) -> None:
    assert api.get("/echo/x", headers=bearer("narrow")).status_code == 200
    assert_problem(api.post("/echo/x", headers=bearer("narrow")), 403)  # the same (cached) policy


def test_allow_passes_the_context_through(api: httpx.Client) -> None:
    response = api.get("/echo/b%20c?x=1&x=2&y=", headers={**bearer("allow"), "X-Trace": "t1"})
    assert response.status_code == 200
    assert response.headers["x-fixture"] == "echo"
    event = response.json()["event"]
    authorizer = event["requestContext"]["authorizer"]
    assert {k: authorizer[k] for k in ("role", "level", "trusted", "principalId")} == {
        "role": "vehicle",
        "level": "3",
        "trusted": "true",
        "principalId": "fixture-user",
    }
    assert event["resource"] == "/echo/{name}"
    assert event["pathParameters"] == {"name": "b c"}
    assert event["queryStringParameters"] == {"x": "2", "y": ""}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    assert event["headers"]["X-Trace"] == "t1"
    assert event["requestContext"]["stage"] == "test"
    assert event["requestContext"]["requestId"] == response.headers["x-request-id"]
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"


def test_the_policy_is_cached_per_token(api: httpx.Client) -> None:
    token = f"count-{uuid.uuid4().hex}"
    first = api.get("/echo/one", headers=bearer(token)).json()["event"]["requestContext"]["authorizer"]
    second = api.get("/echo/two", headers=bearer(token)).json()["event"]["requestContext"]["authorizer"]
    assert first == {**second, "integrationLatency": first["integrationLatency"]}
    assert first["method_arn"].endswith("/test/GET/echo/one")  # the authorizer ran once, for /echo/one
    other = api.get("/echo/one", headers=bearer(f"count-{uuid.uuid4().hex}")).json()
    assert other["event"]["requestContext"]["authorizer"]["call"] != first["call"]


def test_a_cached_policy_never_outlives_its_tokens_exp_plus_the_leeway(api: httpx.Client) -> None:
    """ReauthorizeEvery is 300 s; a context naming exp 28 s ago is cached 2 s at most (leeway 30 s)."""
    token = f"expiring-{int(time.time()) - 28}-{uuid.uuid4().hex}"

    def call() -> Any:
        return api.get("/echo/one", headers=bearer(token)).json()["event"]["requestContext"]["authorizer"][
            "call"
        ]

    first = call()
    assert call() == first  # cached meanwhile
    time.sleep(2.5)
    assert call() != first  # past exp + leeway: asked again (the real authorizer then refuses it)


def test_literal_resource_beats_a_parameter(api: httpx.Client) -> None:
    event = api.get("/echo/special", headers=bearer("allow")).json()["event"]
    assert (event["resource"], event["pathParameters"]) == ("/echo/special", None)


def test_open_route_needs_no_token_and_sees_its_environment(
    api: httpx.Client, fixture_gateway: GatewayProcess
) -> None:
    body = api.get("/open").json()
    env = body["env"]
    assert env["GLOBAL_VAR"] == "from-globals"
    assert env["SHARED_VAR"] == "from-function"  # the function's variable wins over Globals
    assert env["DEV_MODE"] == "true"  # `cockpit run` defaults DevelopmentMode to true
    assert env["ITEMS_TABLE"] == f"{STACK}-ItemsTable"
    assert re.fullmatch(
        rf"arn:aws:secretsmanager:us-east-1:\d{{12}}:secret:{STACK}-AppSecret-\w+", env["SECRET_ARN"]
    )
    assert env["HELPER_FUNCTION"] == "HelperFunction"
    assert env["GREETING"] == "hello"
    assert (env["AWS_LAMBDA_FUNCTION_NAME"], env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]) == ("AppFunction", "512")
    assert env["AWS_ENDPOINT_URL"] == fixture_gateway.url.aws_endpoint_url
    assert env["AWS_ENDPOINT_URL_LAMBDA"] == fixture_gateway.url.lambda_url
    assert (env["TZ"], env["AWS_LAMBDA_FUNCTION_VERSION"]) == (":UTC", "$LATEST")
    assert body["cwd"] == env["LAMBDA_TASK_ROOT"]
    context = body["context"]
    assert context["function_name"] == "AppFunction"
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"].endswith(":function:AppFunction")
    assert context["log_group_name"] == "/aws/lambda/AppFunction"
    assert 0 < context["remaining_ms"] <= 1000  # Timeout: 1


def test_the_developers_environment_does_not_reach_functions(api: httpx.Client) -> None:
    env = api.get("/open").json()["env"]
    assert DEVELOPER_ONLY not in env
    assert not {"HOME", "USER", "PWD", "AWS_PROFILE"} & set(env)
    assert env["PATH"]  # what the process needs to run does get through


def test_seeded_data_secrets_and_parameters_are_reachable(
    api: httpx.Client, fixture_gateway: GatewayProcess
) -> None:
    body = api.post("/open/aws").json()
    assert body["item"] == "from the seed hook"
    assert body["secret"]["user"] == "fixture"
    assert body["parameter"] == fixture_gateway.api_url  # PublicBaseUrl defaults to the local API


def test_functions_invoke_each_other_through_the_lambda_api(api: httpx.Client) -> None:
    response = api.post("/open/call", content="hello")
    assert response.json() == {
        "echo": {"ping": "hello"},
        "function": "HelperFunction",
        "amount": 12.5,
        "count": 3,
    }


def test_greedy_proxy_any_method_and_response_mapping(api: httpx.Client) -> None:
    event = api.put("/files/a/b/c.txt", content="x").json()["event"]
    assert (event["httpMethod"], event["pathParameters"]) == ("PUT", {"proxy": "a/b/c.txt"})
    binary = api.get("/files/binary")
    assert (binary.content, binary.headers["content-type"]) == (b"\x00\xffbinary", "application/octet-stream")
    cookies = api.get("/files/cookies")
    assert cookies.status_code == 201
    assert cookies.headers.get_list("set-cookie") == ["a=1", "b=2"]


@pytest.mark.parametrize("action", ["crash", "malformed", "slow"])
def test_function_failures_are_502_without_details(api: httpx.Client, action: str) -> None:
    response = api.get(f"/files/{action}")
    body = assert_problem(response, 502)
    assert "Traceback" not in response.text
    assert "crashed on purpose" not in response.text
    assert body["type"].endswith("/bad-gateway")


def test_binary_request_bodies_are_base64(api: httpx.Client) -> None:
    raw = bytes(range(256)) * 4
    assert api.post("/files/size", content=raw).json() == {"size": len(raw)}
    echoed = api.post("/files/echo", content=b"\xff\xfe").json()["event"]
    assert echoed["isBase64Encoded"] is True
    assert base64.b64decode(echoed["body"]) == b"\xff\xfe"


def test_payloads_are_capped_at_10_mb(api: httpx.Client) -> None:
    assert api.post("/files/size", content=b"a" * MB).json() == {"size": MB}
    response = api.post("/files/size", content=b"a" * (10 * MB + 1))
    body = assert_problem(response, 413)
    assert body["type"].endswith("/payload-too-large")
    assert api.get("/open").status_code == 200  # the gateway is fine afterwards


def test_function_logs_reach_the_runtime_stderr_with_the_function_name(
    api: httpx.Client, fixture_gateway: GatewayProcess
) -> None:
    api.get("/open")
    log = fixture_gateway.stderr_path.read_text()
    assert "[AppFunction] handling GET /open" in log
    assert "[AppFunction] seeded the fixture table" in log
    assert json.dumps({"x": 1})  # logs are not on stdout
    assert "handling" not in fixture_gateway.stdout_path.read_text()
