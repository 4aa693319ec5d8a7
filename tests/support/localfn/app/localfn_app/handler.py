"""Fixture handlers. The API function answers by path; the helper is invoked through the Lambda API."""

from __future__ import annotations

import base64
import json
import os
import time
from decimal import Decimal
from typing import Any

import boto3


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(body),
    }


def _context(context: Any) -> dict[str, Any]:
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }


def _files(event: dict[str, Any]) -> dict[str, Any]:
    action = event["pathParameters"]["proxy"]
    if action == "crash":
        raise RuntimeError("the function crashed on purpose")
    if action == "malformed":
        return {"statusCode": 200, "body": {"not": "a string"}}
    if action == "slow":
        time.sleep(3)
    if action == "binary":
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/octet-stream"},
            "body": base64.b64encode(b"\x00\xffbinary").decode(),
            "isBase64Encoded": True,
        }
    if action == "cookies":
        return {"statusCode": 201, "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": ""}
    if action == "size":
        raw = base64.b64decode(event["body"]) if event["isBase64Encoded"] else (event["body"] or "").encode()
        return _json(200, {"size": len(raw)})
    return _json(200, {"event": event})


def _open(event: dict[str, Any], context: Any) -> dict[str, Any]:
    action = (event.get("pathParameters") or {}).get("action")
    if action == "call":
        answer = boto3.client("lambda").invoke(
            FunctionName=os.environ["HELPER_FUNCTION"], Payload=json.dumps({"ping": event["body"]})
        )
        return _json(200, json.loads(answer["Payload"].read()))
    if action == "aws":
        item = boto3.resource("dynamodb").Table(os.environ["ITEMS_TABLE"]).get_item(Key={"pk": "seeded"})
        secret = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["SECRET_ARN"])
        parameter = boto3.client("ssm").get_parameter(Name=os.environ["BASE_URL_PARAMETER"])
        return _json(
            200,
            {
                "item": item.get("Item", {}).get("note"),
                "secret": json.loads(secret["SecretString"]),
                "parameter": parameter["Parameter"]["Value"],
            },
        )
    return _json(
        200,
        {
            "env": dict(os.environ),
            "context": _context(context),
            "cwd": os.getcwd(),
        },
    )


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    resource = event["resource"]
    print(f"handling {event['httpMethod']} {resource}")
    if resource == "/files/{proxy+}":
        return _files(event)
    if resource.startswith("/open"):
        return _open(event, context)
    return _json(200, {"event": event}, {"X-Fixture": "echo"})


def helper(event: Any, context: Any) -> Any:
    """Invoked directly: echoes, fails, is slow, then writes an item (for Event invocations and
    timeouts), tells its process id, or exits."""
    if not isinstance(event, dict):
        event = {"value": event}
    if event.get("fail"):
        raise ValueError(f"helper failed: {event['fail']}")
    began = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process on this machine
    time.sleep(float(event.get("sleep", 0)))
    if "write" in event:
        table = boto3.resource("dynamodb").Table(os.environ.get("ITEMS_TABLE", ""))
        table.put_item(Item={"pk": event["write"], "owner": "async"})
        return {"written": event["write"]}
    if event.get("exit"):
        os._exit(3)  # the sandbox dies; the next invocation gets a fresh one
    if event.get("unserializable"):
        return {"value": object()}
    if event.get("pid"):
        return {"pid": os.getpid(), "began": began, "ended": time.monotonic()}
    return {"echo": event, "function": context.function_name, "amount": Decimal("12.50"), "count": Decimal(3)}
