"""The Lambda Invoke API, driven by a real boto3 Lambda client."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from cockpit_dev.lambda_auth import LocalCredential
from tests.integration.local.conftest import STACK, aws_client, runtime_credential
from tests.support.local_gateway import GatewayProcess


def invoke(client: Any, payload: Any, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    response = client.invoke(
        Payload=json.dumps(payload).encode(), **{"FunctionName": "HelperFunction", **kwargs}
    )
    body = response["Payload"].read()
    return response, json.loads(body) if body else None


def test_request_response(lambda_client: Any) -> None:
    response, payload = invoke(lambda_client, {"hello": "world"})
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    assert payload == {"echo": {"hello": "world"}, "function": "HelperFunction", "amount": 12.5, "count": 3}


@pytest.mark.parametrize(
    "name",
    [
        "arn:aws:lambda:us-east-1:000000000000:function:HelperFunction",
        "arn:aws:lambda:us-east-1:000000000000:function:HelperFunction:$LATEST",
        "000000000000:function:HelperFunction",
        "arn:aws:lambda:us-east-1:000000000000:function:HelperFunction:live",  # its AutoPublishAlias
        "HelperFunction:live",
    ],
)
def test_function_names_may_be_arns(lambda_client: Any, name: str) -> None:
    _, payload = invoke(lambda_client, {}, FunctionName=name)
    assert payload["function"] == "HelperFunction"


def test_the_alias_as_qualifier(lambda_client: Any) -> None:
    _, payload = invoke(lambda_client, {"n": 1}, Qualifier="live")
    assert payload["function"] == "HelperFunction"


def test_unhandled_error(lambda_client: Any) -> None:
    response, payload = invoke(lambda_client, {"fail": "on purpose"})
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "helper failed: on purpose"
    assert isinstance(payload["stackTrace"], list)
    assert payload["stackTrace"]


def test_timeout_is_an_error(lambda_client: Any) -> None:
    response, payload = invoke(lambda_client, {"sleep": 4})  # Timeout: 2
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in payload["errorMessage"]


def test_a_timed_out_worker_is_ended_and_replaced(lambda_client: Any, dynamodb: Any) -> None:
    key = f"late-{uuid.uuid4().hex}"
    _, before = invoke(lambda_client, {"pid": True})
    _, payload = invoke(lambda_client, {"sleep": 2.5, "write": key})  # Timeout: 2
    assert payload["errorType"] == "Sandbox.Timedout"
    assert not Path(f"/proc/{before['pid']}").exists()  # the worker that ran it is gone
    _, after = invoke(lambda_client, {"pid": True})
    assert after["pid"] != before["pid"]
    time.sleep(1)  # the timed-out handler would have written its item by now
    assert "Item" not in dynamodb.get_item(TableName=f"{STACK}-ItemsTable", Key={"pk": {"S": key}})


def test_concurrent_invocations_run_in_parallel_in_separate_workers(lambda_client: Any) -> None:
    def slow(_: int) -> dict[str, Any]:
        answer: dict[str, Any] = invoke(lambda_client, {"sleep": 1, "pid": True})[1]
        return answer

    with ThreadPoolExecutor(2) as threads:
        list(threads.map(slow, range(2)))  # the first time, a second worker may have to start
        first, second = threads.map(slow, range(2))
    assert first["pid"] != second["pid"]  # one invocation at a time per worker, as in Lambda
    # they ran at the same time: each began before the other ended (an order, not a duration)
    assert first["began"] < second["ended"] and second["began"] < first["ended"]


def test_unserializable_result_is_a_marshal_error(lambda_client: Any) -> None:
    response, payload = invoke(lambda_client, {"unserializable": True})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.MarshalError"


def test_event_invocation_runs_in_the_background(lambda_client: Any, dynamodb: Any) -> None:
    key = f"async-{uuid.uuid4().hex}"
    response, payload = invoke(lambda_client, {"write": key}, InvocationType="Event")
    assert (response["StatusCode"], payload) == (202, None)
    deadline = time.monotonic() + 10
    item = None
    while item is None and time.monotonic() < deadline:
        item = dynamodb.get_item(TableName=f"{STACK}-ItemsTable", Key={"pk": {"S": key}}).get("Item")
        time.sleep(0.05)
    assert item is not None
    assert item["owner"] == {"S": "async"}


def test_dry_run(lambda_client: Any) -> None:
    response, _ = invoke(lambda_client, {"fail": "never runs"}, InvocationType="DryRun")
    assert response["StatusCode"] == 204


@pytest.mark.parametrize(
    "kwargs",
    [
        {"FunctionName": "NoSuchFunction"},
        {"Qualifier": "7"},
        {"Qualifier": "staging"},  # not its alias
        {"FunctionName": "HelperFunction:live", "Qualifier": "$LATEST"},  # the two disagree
        {"FunctionName": "AuthFunction:live"},  # a function without AutoPublishAlias has no alias
    ],
)
def test_unknown_function(lambda_client: Any, kwargs: dict[str, str]) -> None:
    with pytest.raises(ClientError) as caught:
        invoke(lambda_client, {}, **kwargs)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert isinstance(caught.value, lambda_client.exceptions.ResourceNotFoundException)


def test_invalid_json_payload(lambda_client: Any) -> None:
    with pytest.raises(lambda_client.exceptions.InvalidRequestContentException):
        lambda_client.invoke(FunctionName="HelperFunction", Payload=b"{not json")


def test_a_dead_worker_is_replaced(lambda_client: Any) -> None:
    response, payload = invoke(lambda_client, {"exit": True})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ExitError"
    _, payload = invoke(lambda_client, {"again": 1})
    assert payload["echo"] == {"again": 1}
    _, payload = invoke(lambda_client, {"and again": 2})  # the new worker outlives the thread that started it
    assert payload["echo"] == {"and again": 2}


# --- only the runtime's own credential may invoke ------------------------------------------------


def test_an_unsigned_invoke_is_refused_with_a_problem_and_runs_nothing(
    fixture_gateway: GatewayProcess, dynamodb: Any
) -> None:
    key = f"unsigned-{uuid.uuid4().hex}"
    answer = httpx.post(
        fixture_gateway.url.lambda_url + "/2015-03-31/functions/HelperFunction/invocations",
        json={"write": key},
    )
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert (problem["status"], problem["title"]) == (403, "Forbidden")
    assert "SigV4" in problem["detail"]
    assert "Item" not in dynamodb.get_item(TableName=f"{STACK}-ItemsTable", Key={"pk": {"S": key}})


@pytest.mark.parametrize(
    ("key_id", "secret", "error"),
    [
        ("testing", "testing", "UnrecognizedClientException"),  # what any boto3 default would send
        (None, "guessed", "InvalidSignatureException"),  # the key id is known, not the secret
    ],
)
def test_a_boto3_client_with_another_key_is_refused(
    fixture_gateway: GatewayProcess, dynamodb: Any, key_id: str | None, secret: str, error: str
) -> None:
    own = runtime_credential(fixture_gateway)
    other = LocalCredential(key_id or own.access_key_id, secret)
    client = aws_client("lambda", fixture_gateway.url.lambda_url, credential=other)
    key = f"foreign-{uuid.uuid4().hex}"
    with pytest.raises(ClientError) as refused:
        invoke(client, {"write": key})
    assert refused.value.response["Error"]["Code"] == error
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "Item" not in dynamodb.get_item(TableName=f"{STACK}-ItemsTable", Key={"pk": {"S": key}})


def test_a_function_invokes_another_with_the_credential_the_runtime_gave_it(api: httpx.Client) -> None:
    env = api.get("/open").json()["env"]
    assert env["AWS_ACCESS_KEY_ID"].startswith("CKPLOCAL")
    assert "AWS_SESSION_TOKEN" not in env


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "TRACE", "PROPFIND"])
def test_other_methods_are_an_unknown_operation_in_json_never_html(
    fixture_gateway: GatewayProcess, method: str
) -> None:
    answer = httpx.request(
        method, fixture_gateway.url.lambda_url + "/2015-03-31/functions/HelperFunction/invocations"
    )
    assert answer.status_code == 404
    assert answer.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert answer.json()["message"] == "the local Lambda API only serves Invoke"
