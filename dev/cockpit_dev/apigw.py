"""API Gateway (REST API, Lambda proxy integration) on 127.0.0.1: the template's routes, its TOKEN
authorizer and policy, its gateway responses, version 1.0 proxy events, the 10 MB payload cap."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from cockpit.clock import TOKEN_LEEWAY_SECONDS
from cockpit.errors import PROBLEM_BASE
from cockpit_dev import logs, policy
from cockpit_dev.net import BodyTooLarge, read_body
from cockpit_dev.pages import Pages
from cockpit_dev.pool import WorkerPool
from cockpit_dev.routing import Match, RouteTable
from cockpit_dev.template import Api, Authorizer, Route, Template

MAX_PAYLOAD = 10 * 1024 * 1024
INTEGRATION_TIMEOUT = 29.0  # seconds: API Gateway's limit for a REST API integration
# Every 401 of the local runtime says where a token comes from (development only: a deployed API
# answers the template's gateway response as it is).
HOW_TO_AUTHENTICATE = (
    "Local development: `make token` prints a token (make token ROLE=partner SUB=acme for others)."
)
_HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "keep-alive", "upgrade"}
_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    413: ("payload-too-large", "Request body too large"),
    500: ("internal-error", "Gateway error"),
    502: ("bad-gateway", "Bad gateway"),
    504: ("upstream-timeout", "Gateway timeout"),
}


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str
    headers: Sequence[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in reversed(self.headers) if key.lower() == lowered), None)


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class Denied(Exception):
    """The authorizer step ends the request with a gateway response."""

    def __init__(self, kind: str, status: int, detail: str) -> None:
        super().__init__(detail)
        self.kind, self.status, self.detail = kind, status, detail


class ApiGateway:
    """Turns HTTP requests into proxy events for the template's functions, and their answers back."""

    def __init__(
        self,
        template: Template,
        pool: WorkerPool,
        *,
        clock: Callable[[], float] = time.time,
        integration_timeout: float = INTEGRATION_TIMEOUT,
    ) -> None:
        self.template = template
        self.pool = pool
        self.routes = RouteTable(template.routes)
        self.clock = clock
        self._policies: dict[tuple[str, str, str], tuple[float, policy.AuthorizerResult]] = {}
        self._lock = threading.Lock()
        self._default_api = next(iter(template.apis.values()), None)
        self.integration_timeout = integration_timeout

    # -- the request pipeline ---------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        try:
            response = self._handle(request, request_id)
        except Exception:
            _log(f"internal error handling {request.method} {request.target}:\n{traceback.format_exc()}")
            response = self.gateway_response(self._default_api, "DEFAULT_5XX", 500, "The gateway failed.")
        if response.status == 401:
            response = _with_token_hint(response)
        response.headers += [("X-Request-Id", request_id), ("x-amzn-RequestId", request_id)]
        return response

    def _handle(self, request: HttpRequest, request_id: str) -> HttpResponse:
        path = urlsplit(request.target).path or "/"
        match = self.routes.match(path)
        route = match.route_for(request.method) if match else None
        if match is None or route is None:  # an unknown path, or a method the path does not have
            return self.gateway_response(
                self._api_of(match), "MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token"
            )
        api = self.template.apis[route.api]
        try:
            authorized = self._authorize(api, route, request, path, request_id)
        except Denied as denied:
            return self.gateway_response(api, denied.kind, denied.status, denied.detail)
        event = proxy_event(
            request, match, route, api, request_id, authorized, self.clock(), self.template.account_id
        )
        return self._integrate(api, route, event, request_id)

    def _integrate(self, api: Api, route: Route, event: dict[str, Any], request_id: str) -> HttpResponse:
        """The Lambda proxy integration: invoke the function, map its answer (or its failure)."""
        workers = self.pool.get(route.function)
        if workers is None:
            return self.gateway_response(api, "DEFAULT_5XX", 502, f"{route.function} is not running.")
        started = time.monotonic()
        result = workers.invoke(json.dumps(event).encode(), request_id)
        if time.monotonic() - started >= self.integration_timeout:
            return self.gateway_response(
                api, "INTEGRATION_TIMEOUT", 504, "The function did not answer within the integration timeout."
            )
        if result.error:
            return self.gateway_response(api, "DEFAULT_5XX", 502, "The function failed.")
        mapped = proxy_response(result.json())
        if mapped is None:
            _log(f"malformed Lambda proxy response from {route.function}: {result.payload[:500]!r}")
            return self.gateway_response(api, "DEFAULT_5XX", 502, "The function's response was malformed.")
        return mapped

    def serves_page(self, pages: Pages, method: str, target: str) -> bool:
        """A development page, unless the template's own API has a route there (the template wins)."""
        return pages.handles(method, target) and self.routes.match(urlsplit(target).path or "/") is None

    def _api_of(self, match: Match | None) -> Api | None:
        return self.template.apis[match.routes[0].api] if match else self._default_api

    def too_large(self, target: str, size: int) -> HttpResponse:
        api = self._api_of(self.routes.match(urlsplit(target).path or "/"))
        response = self.gateway_response(
            api, "REQUEST_TOO_LARGE", 413, f"{size} bytes is over {MAX_PAYLOAD}."
        )
        response.headers += [("X-Request-Id", str(uuid.uuid4())), ("Connection", "close")]
        return response

    # -- the TOKEN authorizer ---------------------------------------------------------------------

    def _authorize(
        self, api: Api, route: Route, request: HttpRequest, path: str, request_id: str
    ) -> dict[str, str] | None:
        if route.authorizer is None:
            return None
        authorizer = api.authorizers[route.authorizer]
        token = request.header(authorizer.identity_header)
        if not token:
            raise Denied("UNAUTHORIZED", 401, f"The {authorizer.identity_header} header is missing.")
        if authorizer.validation_expression and not _full_match(authorizer.validation_expression, token):
            raise Denied("UNAUTHORIZED", 401, "The token does not have the expected form.")
        method_arn = (
            f"arn:aws:execute-api:{self.template.region}:{self.template.account_id}:"
            f"{api.api_id}/{api.stage}/{request.method}/{path.lstrip('/')}"
        )
        started = time.monotonic()
        result = self._policy(authorizer, api, token, method_arn, request_id)
        if result.decide(method_arn) != "allow":
            raise Denied("ACCESS_DENIED", 403, "The authorizer's policy does not allow this request.")
        latency = str(int((time.monotonic() - started) * 1000))
        return {**result.context, "principalId": result.principal_id, "integrationLatency": latency}

    def _policy(
        self, authorizer: Authorizer, api: Api, token: str, method_arn: str, request_id: str
    ) -> policy.AuthorizerResult:
        key = (api.logical_id, authorizer.name, token)
        now = time.monotonic()
        with self._lock:
            cached = self._policies.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        workers = self.pool.get(authorizer.function)
        if workers is None:
            raise Denied("AUTHORIZER_CONFIGURATION_ERROR", 500, f"{authorizer.function} is not running.")
        event = {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}
        answer = workers.invoke(json.dumps(event).encode(), request_id)
        if answer.error_field("errorMessage") == "Unauthorized":  # the one way to say 401
            raise Denied("UNAUTHORIZED", 401, "The token was not accepted.")
        if answer.error:  # a crash or a timeout: API Gateway answers 500, not 401
            _log(f"authorizer {authorizer.function} failed: {answer.payload[:500]!r}")
            raise Denied("AUTHORIZER_CONFIGURATION_ERROR", 500, "The authorizer failed.")
        try:
            result = policy.parse(answer.json())
        except (policy.InvalidPolicy, ValueError) as exc:
            _log(f"authorizer {authorizer.function} returned an invalid policy: {exc}")
            raise Denied(
                "AUTHORIZER_CONFIGURATION_ERROR", 500, "The authorizer's answer is invalid."
            ) from None
        if authorizer.reauthorize_seconds > 0:
            with self._lock:
                self._policies[key] = (now + _cache_seconds(authorizer.reauthorize_seconds, result), result)
        return result

    # -- gateway responses ------------------------------------------------------------------------

    def gateway_response(self, api: Api | None, kind: str, status: int, detail: str) -> HttpResponse:
        """The template's gateway response of that type, else its DEFAULT_4XX/DEFAULT_5XX (with the
        StatusCode the template gives), else API Gateway's default (a problem+json, except for
        MISSING_AUTHENTICATION_TOKEN, whose AWS default body clients may rely on)."""
        responses = api.gateway_responses if api is not None else {}
        spec = responses.get(kind) or responses.get("DEFAULT_4XX" if status < 500 else "DEFAULT_5XX")
        if spec is None and kind == "MISSING_AUTHENTICATION_TOKEN":
            headers = [
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", "MissingAuthenticationTokenException"),
            ]
            return HttpResponse(status, headers, b'{"message":"Missing Authentication Token"}')
        slug, title = _TITLES.get(status, ("error", "Error"))
        problem = json.dumps(
            {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
        )
        if spec is None:
            return HttpResponse(status, [("Content-Type", "application/problem+json")], problem.encode())
        body = (
            problem
            if spec.body is None
            else spec.body.replace("$context.error.messageString", json.dumps(detail))
        )
        headers = list(spec.headers.items()) or [("Content-Type", "application/json")]
        return HttpResponse(spec.status or status, headers, body.encode())


def _with_token_hint(response: HttpResponse) -> HttpResponse:
    try:
        document = json.loads(response.body)
    except ValueError:
        return response
    if not isinstance(document, dict):
        return response
    document["detail"] = f"{document.get('detail') or 'Unauthorized.'} {HOW_TO_AUTHENTICATE}"
    return HttpResponse(response.status, response.headers, json.dumps(document).encode())


def _full_match(expression: str, value: str) -> bool:
    return re.fullmatch(expression, value) is not None


def _log(message: str) -> None:
    logs.emit("api", message.rstrip())


# -- proxy event and response -----------------------------------------------------------------------


def proxy_event(
    request: HttpRequest,
    match: Match,
    route: Route,
    api: Api,
    request_id: str,
    authorizer: dict[str, str] | None,
    now: float,
    account_id: str = "000000000000",
) -> dict[str, Any]:
    """The Lambda proxy integration event (payload format 1.0) of a REST API request."""
    parts = urlsplit(request.target)
    headers, multi_headers = _headers(request)
    query = parse_qsl(parts.query, keep_blank_values=True)
    multi_query: dict[str, list[str]] = {}
    for name, value in query:
        multi_query.setdefault(name, []).append(value)
    body, is_base64 = _event_body(request.body)
    path = parts.path or "/"
    return {
        "resource": match.resource,
        "path": path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": dict(query) or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": hashlib.sha256(match.resource.encode()).hexdigest()[:6],
            "resourcePath": match.resource,
            "httpMethod": request.method,
            "extendedRequestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": path,
            "accountId": account_id,
            "protocol": "HTTP/1.1",
            "stage": api.stage,
            "domainPrefix": (request.header("Host") or "127.0.0.1").split(".")[0],
            "requestTimeEpoch": int(now * 1000),
            "requestId": request_id,
            "identity": {
                "sourceIp": request.source_ip,
                "userAgent": request.header("User-Agent"),
                "accountId": None,
                "caller": None,
                "user": None,
                "userArn": None,
            },
            "domainName": request.header("Host") or "127.0.0.1",
            "apiId": api.api_id,
            "authorizer": authorizer,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _headers(request: HttpRequest) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    extra = [("X-Forwarded-For", request.source_ip), ("X-Forwarded-Proto", "http")]
    for name, value in [*request.headers, *(h for h in extra if request.header(h[0]) is None)]:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def _event_body(body: bytes) -> tuple[str | None, bool]:
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def proxy_response(answer: Any) -> HttpResponse | None:
    """The HTTP response a Lambda proxy answer stands for; None if the answer is malformed."""
    if not isinstance(answer, dict):
        return None
    status = answer.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        return None
    headers = _response_headers(answer.get("headers"), answer.get("multiValueHeaders"))
    body = _response_body(answer.get("body"), answer.get("isBase64Encoded"))
    if headers is None or body is None:
        return None
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers, body)


def _response_headers(single: Any, multi: Any) -> list[tuple[str, str]] | None:
    if not isinstance(single or {}, dict) or not isinstance(multi or {}, dict):
        return None
    merged: dict[str, list[Any]] = {name: [value] for name, value in (single or {}).items()}
    for name, values in (multi or {}).items():
        if not isinstance(values, list):
            return None
        merged[name] = list(values)
    if any(isinstance(v, dict | list) for values in merged.values() for v in values):
        return None
    return [
        (str(name), _header_value(value))
        for name, values in merged.items()
        if str(name).lower() not in _HOP_BY_HOP
        for value in values
    ]


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _response_body(body: Any, is_base64: Any) -> bytes | None:
    if body is None:
        return b""
    if not isinstance(body, str):
        return None
    if is_base64 is True:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return None
    return body.encode("utf-8")


# -- HTTP -----------------------------------------------------------------------------------------


class _AnyMethod:
    """Any method without a `do_` of its own (TRACE, CONNECT, PROPFIND, …) is served by `_serve` too: the
    gateway answers it as API Gateway does (MISSING_AUTHENTICATION_TOKEN, problem+json here), never
    with http.server's HTML 501."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return object.__getattribute__(self, "_serve")
        raise AttributeError(name)


def handler_class(gateway: ApiGateway, pages: Pages | None = None) -> type[BaseHTTPRequestHandler]:
    class ApiRequestHandler(_AnyMethod, BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "cockpit-gateway-local"
        sys_version = ""

        def _serve(self) -> None:
            started = time.monotonic()
            if pages is not None and gateway.serves_page(pages, self.command, self.path):
                page = pages.serve(self.path, self.headers.get)
                self._send(HttpResponse(page.status, page.headers, page.body))
                return
            try:
                body = read_body(self.rfile, self.headers, MAX_PAYLOAD)
            except BodyTooLarge as exc:
                response = gateway.too_large(self.path, int(exc.args[0]))
                self.close_connection = True
            except ValueError:
                response = gateway.gateway_response(None, "BAD_REQUEST_BODY", 400, "Malformed request body.")
                self.close_connection = True
            else:
                request = HttpRequest(
                    self.command, self.path, list(self.headers.items()), body, self.client_address[0]
                )
                response = gateway.handle(request)
            self._send(response)
            elapsed = (time.monotonic() - started) * 1000
            _log(f"{self.command} {self.path.split('?')[0]} -> {response.status} ({elapsed:.0f} ms)")

        def _send(self, response: HttpResponse) -> None:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return ApiRequestHandler


def _cache_seconds(reauthorize: int, result: policy.AuthorizerResult) -> float:
    """How long a policy may be served from the cache: ReauthorizeEvery, and never past the token's
    `exp` plus the leeway when the authorizer's context names it (an expired token is refused in time)."""
    exp = result.context.get("exp")
    try:
        left = float(exp) + TOKEN_LEEWAY_SECONDS - time.time() if exp is not None else float(reauthorize)
    except (TypeError, ValueError):
        return 0.0
    return max(min(float(reauthorize), left), 0.0)
