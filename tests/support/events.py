"""API Gateway REST proxy events and ToolInvocation events for tests, built on the samples in events/."""

from __future__ import annotations

import copy
import json
import re
import uuid
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@cache
def sample(path: str) -> dict[str, Any]:
    """A sample event from events/ (the same files `sam local invoke -e` takes)."""
    return json.loads((ROOT / "events" / path).read_text())  # type: ignore[no-any-return]


def api(
    method: str,
    resource: str,
    *,
    path_params: dict[str, str] | None = None,
    body: Any = None,
    raw_body: str | None = None,
    role: str | None = "vehicle",
    sub: str = "vin-test-1",
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    event = copy.deepcopy(sample("router/list_tools.json"))
    path = resource
    for name, value in (path_params or {}).items():
        path = path.replace("{" + name + "}", value)
    event.update(
        resource=resource,
        path=path,
        httpMethod=method,
        pathParameters=path_params,
        queryStringParameters=query,
        body=raw_body if raw_body is not None else (None if body is None else json.dumps(body)),
    )
    event["headers"] = {**event["headers"], **(headers or {})}
    ctx = event["requestContext"]
    ctx.update(resourcePath=resource, httpMethod=method, path=f"/live{path}", requestId=str(uuid.uuid4()))
    ctx["authorizer"] = {"principalId": sub, "sub": sub, "role": role} if role else None
    return event


def invoke(tool: str, arguments: dict[str, Any], **kw: Any) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", **kw.pop("headers", {})}
    if "key" in kw:
        headers["Idempotency-Key"] = kw.pop("key")
    body = {"arguments": arguments, **kw.pop("body", {})}
    return api(
        "POST", "/v1/tools/{name}/invoke", path_params={"name": tool}, body=body, headers=headers, **kw
    )


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None


def is_problem(response: dict[str, Any], status: int, slug: str | None = None) -> dict[str, Any]:
    """Assert the response is a problem document with this status (and type slug); return it."""
    assert response["statusCode"] == status, response
    assert response["headers"]["Content-Type"] == "application/problem+json"
    doc = body(response)
    assert doc["status"] == status
    assert doc["title"] and doc["detail"]
    if slug:
        assert re.search(f"/{slug}$", doc["type"]), doc["type"]
    return doc  # type: ignore[no-any-return]
