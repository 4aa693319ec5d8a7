"""A small REST-proxy resolver: routes keyed by API Gateway's own `resource`, errors mapped in one place.

API Gateway has already matched the path template, so a route is a dict lookup on
(httpMethod, resource) — no regex routing per call. Each route carries the metadata the OpenAPI
document is generated from (summary, request and response models, roles, problems it may answer).
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from cockpit import deadline, jsondepth
from cockpit.clock import TOKEN_LEEWAY_SECONDS
from cockpit.errors import (
    BadRequest,
    Forbidden,
    MalformedJson,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ProblemError,
    ProblemItem,
    Unauthorized,
    UnsupportedMediaType,
    from_pydantic,
)
from cockpit.observability import log_crash, logger, tracer
from cockpit.tools.model import Caller, Role

MAX_BODY_BYTES = 256 * 1024
HEADER_MAX_LENGTH = 255  # a header a route reads (Idempotency-Key): 1 to this many characters
# A true/false query parameter (`Request.flag`): these, in any case.
FLAG_SCHEMA = {"type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0)$"}
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
M = TypeVar("M", bound=BaseModel)


_HOST = re.compile(r"(?:(?:[A-Za-z0-9-]{1,63}\.)*[A-Za-z0-9-]{1,63}|\[[0-9a-fA-F:]{2,39}\])(?::\d{1,5})?")
_PREFIX = re.compile(r"(?:/[A-Za-z0-9._~-]{1,128}){0,4}")


class Request:
    """One API Gateway REST proxy event, with typed accessors."""

    __slots__ = ("_caller", "event", "headers")

    def __init__(self, event: Mapping[str, Any]) -> None:
        self.event = event
        self.headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        self._caller: Caller | None = None

    @property
    def caller(self) -> Caller:
        if self._caller is None:
            ctx = (self.event.get("requestContext") or {}).get("authorizer") or {}
            _check_expiry(ctx.get("exp"))
            self._caller = _caller(str(ctx.get("sub", "")), str(ctx.get("role", "")))
        return self._caller

    @property
    def request_id(self) -> str:
        return str((self.event.get("requestContext") or {}).get("requestId") or "")

    def path_param(self, name: str) -> str:
        return str((self.event.get("pathParameters") or {}).get(name) or "")

    def query(self, name: str) -> str | None:
        value = (self.event.get("queryStringParameters") or {}).get(name)
        return None if value is None else str(value)

    def flag(self, name: str) -> bool:
        """A true/false query parameter (absent: false); anything else is a 400 naming it."""
        value = (self.query(name) or "false").lower()
        if value not in ("true", "false", "1", "0"):
            raise BadRequest(
                f"{name} must be true or false", errors=[ProblemItem(parameter=name, message="true or false")]
            )
        return value in ("true", "1")

    def header(self, name: str, *, max_length: int = HEADER_MAX_LENGTH) -> str | None:
        """A header's value, refused (400, naming the header) when empty or longer than `max_length`."""
        value = self.headers.get(name.lower())
        if value is not None and not 1 <= len(value) <= max_length:
            why = f"must be 1 to {max_length} characters"
            raise BadRequest(f"{name} {why}", errors=[ProblemItem(header=name, message=why)])
        return value

    @property
    def base_url(self) -> str | None:
        """The URL this API was reached at: scheme and host of the request, plus the stage prefix API
        Gateway strips from `path` (requestContext.path keeps it). None when the host is not plain."""
        host = self.headers.get("host") or ""
        scheme = (self.headers.get("x-forwarded-proto") or "https").split(",")[0].strip().lower()
        if scheme not in ("http", "https") or not _HOST.fullmatch(host):
            return None
        path = str(self.event.get("path") or "")
        full = str((self.event.get("requestContext") or {}).get("path") or "")
        prefix = full[: -len(path)] if path and full.endswith(path) else ""
        return f"{scheme}://{host}{prefix.rstrip('/')}" if _PREFIX.fullmatch(prefix) else None

    def raw_body(self, max_bytes: int = MAX_BODY_BYTES) -> bytes:
        body = self.event.get("body") or ""
        raw = base64.b64decode(body) if self.event.get("isBase64Encoded") else body.encode()
        if len(raw) > max_bytes:
            raise PayloadTooLarge(f"the body has {len(raw)} bytes; the limit is {max_bytes}")
        return raw

    def json_body(self, max_bytes: int = MAX_BODY_BYTES) -> bytes:
        """The body, which must be JSON by its content type: 413 if too large, 415 if not JSON, 400 if
        it nests deeper than any parser here may safely recurse (every route that reads JSON)."""
        raw = self.raw_body(max_bytes)
        content_type = self.headers.get("content-type", JSON).split(";")[0].strip().lower()
        if content_type != JSON and not content_type.endswith("+json"):
            raise UnsupportedMediaType(f"send application/json, not {content_type}")
        if jsondepth.deeper_than(raw):  # before any parser recurses into it (json: RecursionError)
            raise MalformedJson(f"the body nests deeper than {jsondepth.MAX_DEPTH} levels")
        return raw

    def parse(self, model: type[M], *, max_bytes: int = MAX_BODY_BYTES) -> M:
        """The JSON body as `model`: 413 if too large, 415 if not JSON, 400 if malformed, 422 if invalid.
        `max_bytes`: the route's own cap, where it must take more than the API's 256 KiB."""
        raw = self.json_body(max_bytes)
        try:
            # strict: a JSON value of the type the schema names (no `false` for an integer, no "5"
            # for a number), which is what the OpenAPI document promises; JSON strings still carry
            # dates and enum values.
            return model.model_validate_json(raw or b"{}", strict=True)
        except ValidationError as exc:
            first = exc.errors()[0]
            if first["type"] == "json_invalid":
                raise MalformedJson(f"the body is not valid JSON: {first['msg']}") from None
            raise from_pydantic(exc) from None


def _check_expiry(exp: Any) -> None:
    """The authorizer's policy is cached (API Gateway: ReauthorizeEvery; the local runtime likewise), so
    the token's `exp`, carried in its context, is checked on every request: an expired token is refused
    within the verifier's leeway whatever the cache holds. (A context without `exp` is a sample event.)"""
    if exp is None:
        return
    try:
        expires = float(exp)
    except (TypeError, ValueError):
        raise Unauthorized("the request carries no valid token expiry") from None
    if time.time() > expires + TOKEN_LEEWAY_SECONDS:
        raise Unauthorized("the token has expired")


@lru_cache(maxsize=4096)
def _caller(sub: str, role: str) -> Caller:
    """The authorizer's context as a Caller (validated once per distinct caller in a container)."""
    try:
        return Caller.model_validate({"sub": sub, "role": role})
    except ValidationError:
        raise Unauthorized("the request carries no authenticated caller") from None


@dataclass
class Response:
    status: int = 200
    body: BaseModel | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON

    def proxy(self, *, exclude_none: bool = False) -> dict[str, Any]:
        if isinstance(self.body, BaseModel):
            text = self.body.model_dump_json(exclude_none=exclude_none)
        elif isinstance(self.body, bytes):
            text = self.body.decode()
        else:
            text = ""
        headers = {"Content-Type": self.content_type, **self.headers} if text else dict(self.headers)
        return {"statusCode": self.status, "headers": headers, "body": text, "isBase64Encoded": False}


def problem_response(error: ProblemError, instance: str | None = None) -> Response:
    return Response(error.status, error.problem(instance), dict(error.headers), PROBLEM_JSON)


Handler = Callable[[Request], "Response | BaseModel | bytes | None"]


@dataclass(frozen=True)
class Route:
    method: str
    resource: str
    handler: Handler
    summary: str
    operation_id: str
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    also: Mapping[int, str] = field(default_factory=dict)  # other success statuses (same body) -> when
    roles: frozenset[Role] | None = None  # None: public, no token needed
    problems: tuple[int, ...] = ()
    exclude_none: bool = False
    query: Mapping[str, str] = field(default_factory=dict)  # parameter -> description, for OpenAPI
    headers: Mapping[str, str] = field(default_factory=dict)
    schemas: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # query/header -> its rule
    body_required: bool = True  # False: an empty body means every default
    tags: tuple[str, ...] = ()


class Api:
    def __init__(self, title: str) -> None:
        self.title = title
        self.routes: dict[tuple[str, str], Route] = {}

    def route(self, method: str, resource: str, **meta: Any) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            route = Route(method, resource, handler, operation_id=handler.__name__, **meta)
            self.routes[(method, resource)] = route
            return handler

        return register

    def __call__(self, event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
        deadline.start(context)
        tracer()
        logger().set_correlation_id((event.get("requestContext") or {}).get("requestId"))
        method, resource = str(event.get("httpMethod", "")), str(event.get("resource", ""))
        route = self.routes.get((method, resource))
        path = str(event.get("path") or resource)
        try:
            if route is None:
                raise self._not_routed(method, resource)
            response = self._run(route, Request(event))
            return response.proxy(exclude_none=route.exclude_none)
        except ProblemError as exc:
            logger().info(
                "refused", extra={"route": f"{method} {resource}", "status": exc.status, "problem": exc.slug}
            )
            return problem_response(exc, path).proxy(exclude_none=True)
        except Exception as exc:
            log_crash("unhandled error", exc, route=f"{method} {resource}")
            internal = ProblemError("the gateway failed to answer; the error was logged")
            return problem_response(internal, path).proxy(exclude_none=True)

    def _not_routed(self, method: str, resource: str) -> ProblemError:
        allowed = sorted(m for (m, r) in self.routes if r == resource)
        if allowed:
            return MethodNotAllowed(
                f"{method} is not allowed on {resource}", headers={"Allow": ", ".join(allowed)}
            )
        return NotFound(f"no route {method} {resource}")

    @staticmethod
    def _run(route: Route, request: Request) -> Response:
        if route.roles is not None and request.caller.role not in route.roles:
            allowed = ", ".join(sorted(r.value for r in route.roles))
            raise Forbidden(f"role {request.caller.role.value} may not call this route (allowed: {allowed})")
        out = route.handler(request)
        if isinstance(out, Response):
            return out
        return Response(route.status, out)


def json_bytes(value: Any) -> bytes:
    """Compact JSON, for bodies built once and cached."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
