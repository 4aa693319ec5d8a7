"""The Lambda Invoke API on 127.0.0.1 (as `sam local start-lambda` serves it), so that real boto3
Lambda clients (AWS_ENDPOINT_URL_LAMBDA) invoke the template's functions locally."""

from __future__ import annotations

import json
import re
import sys
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cockpit_dev.lambda_auth import LocalCredential, Refused, verify
from cockpit_dev.net import BodyTooLarge, read_body
from cockpit_dev.pool import FunctionWorkers, WorkerPool

PROBLEM_BASE = "https://cockpit-gateway.dev/problems/"
SYNC_LIMIT = 6 * 1024 * 1024
ASYNC_LIMIT = 1024 * 1024
_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
_NAME = re.compile(
    r"^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?"
    r"(?P<name>[A-Za-z0-9_-]+)(?::(?P<qualifier>[A-Za-z0-9$_-]+))?$"
)


@dataclass
class LambdaResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def api_error(status: int, error_type: str, message: str) -> LambdaResponse:
    body = json.dumps({"Type": "User", "message": message}).encode()
    return LambdaResponse(status, {"x-amzn-ErrorType": error_type, "Content-Type": "application/json"}, body)


def forbidden(refused: Refused) -> LambdaResponse:
    """403 as a problem document; `x-amzn-ErrorType` and `message` let boto3 name the error as AWS's."""
    problem = {
        "type": PROBLEM_BASE + "forbidden",
        "title": "Forbidden",
        "status": 403,
        "detail": refused.detail,
        "message": refused.detail,
    }
    headers = {"x-amzn-ErrorType": refused.error_type, "Content-Type": "application/problem+json"}
    return LambdaResponse(403, headers, json.dumps(problem).encode())


class LambdaApi:
    def __init__(self, pool: WorkerPool, credential: LocalCredential) -> None:
        self.pool = pool
        self.credential = credential

    def authenticated(self, target: str, headers: dict[str, str], payload: bytes) -> LambdaResponse:
        """Invoke, for callers that signed with the runtime's credential only (403 for others)."""
        try:
            verify(self.credential, method="POST", target=target, headers=headers, body=payload)
        except Refused as refused:
            return forbidden(refused)
        return self.invoke(target, headers, payload)

    def resolve(self, raw_name: str, qualifier: str | None) -> FunctionWorkers | None:
        """The workers of a FunctionName (name, ARN or partial ARN, qualified or not) and Qualifier:
        $LATEST or the function's alias (AutoPublishAlias), which locally run the same code."""
        found = _NAME.match(unquote(raw_name))
        if found is None:
            return None
        named, qualifier = found.group("qualifier"), qualifier
        if named is not None and qualifier is not None and named != qualifier:
            return None  # Lambda refuses a FunctionName and a Qualifier that disagree
        workers = self.pool.get(found.group("name"))
        if workers is None or not workers.function.answers_to(named or qualifier):
            return None
        return workers

    def invoke(self, target: str, headers: dict[str, str], payload: bytes) -> LambdaResponse:
        parts = urlsplit(target)
        path = _INVOKE_PATH.match(parts.path)
        if path is None:
            return api_error(
                404, "UnknownOperationException", f"the local Lambda API only serves Invoke, not {parts.path}"
            )
        qualifier = parse_qs(parts.query).get("Qualifier", [None])[0]
        workers = self.resolve(path.group("name"), qualifier)
        if workers is None:
            name = unquote(path.group("name"))
            return api_error(404, "ResourceNotFoundException", f"Function not found: {name}")
        kind = headers.get("x-amz-invocation-type", "RequestResponse")
        if kind not in ("RequestResponse", "Event", "DryRun"):
            return api_error(400, "InvalidParameterValueException", f"invalid InvocationType {kind!r}")
        limit = SYNC_LIMIT if kind == "RequestResponse" else ASYNC_LIMIT
        if len(payload) > limit:
            return api_error(413, "RequestTooLargeException", f"Request must be smaller than {limit} bytes")
        if payload.strip():
            try:
                json.loads(payload)
            except ValueError as exc:
                return api_error(
                    400, "InvalidRequestContentException", f"Could not parse request body into json: {exc}"
                )
        request_id = str(uuid.uuid4())
        common = {"x-amzn-RequestId": request_id, "X-Amz-Executed-Version": "$LATEST"}
        if kind == "DryRun":
            return LambdaResponse(204, common)
        if kind == "Event":
            threading.Thread(
                target=_invoke_in_background, args=(workers, payload, request_id), daemon=True
            ).start()
            return LambdaResponse(202, common)
        result = workers.invoke(payload, request_id)
        headers_out = {**common, "Content-Type": "application/json"}
        if result.error:
            headers_out["X-Amz-Function-Error"] = result.error
        return LambdaResponse(200, headers_out, result.payload)


def _invoke_in_background(workers: FunctionWorkers, payload: bytes, request_id: str) -> None:
    result = workers.invoke(payload, request_id)
    if result.error:
        sys.stderr.write(f"[lambda] async invocation {request_id} of {workers.function.name} failed\n")


def handler_class(api: LambdaApi) -> type[BaseHTTPRequestHandler]:
    class LambdaRequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "cockpit-lambda-local"
        sys_version = ""

        def do_POST(self) -> None:
            try:
                payload = read_body(self.rfile, self.headers, SYNC_LIMIT)
            except BodyTooLarge:
                self.close_connection = True
                response = api_error(
                    413, "RequestTooLargeException", f"Request must be smaller than {SYNC_LIMIT} bytes"
                )
            else:
                headers = {key.lower(): value for key, value in self.headers.items()}
                response = api.authenticated(self.path, headers, payload)
            self._send(response)

        def do_GET(self) -> None:
            self.close_connection = True  # a body, if any, is not read
            self._send(api_error(404, "UnknownOperationException", "the local Lambda API only serves Invoke"))

        def __getattr__(self, name: str) -> Any:
            """Any other method (PUT, TRACE, PROPFIND, …) is an unknown operation, answered in JSON as
            Lambda answers it, never with http.server's HTML 501."""
            if name.startswith("do_"):
                return self.do_GET
            raise AttributeError(name)

        def _send(self, response: LambdaResponse) -> None:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return LambdaRequestHandler
