"""The partner target: a validated tool call becomes one signed, guarded HTTP request to the partner.

Status mapping of the partner's answer (docs/decisions.md): 2xx JSON → the result; 204 or an empty
body → `{}`; a non-object JSON value → `{"value": ...}`; 400/422 → 422 partner-rejected-arguments;
404 → 404 partner-resource-not-found; 409 → 409 partner-conflict; 429 → 429 partner-rate-limited;
401/403 and other 4xx → 502 partner-refused (the gateway's credentials or the contract are at fault,
not the caller); 3xx (never followed), 5xx, HTML, non-JSON, over 1 MiB → 502; no answer in time → 504;
an open circuit breaker → 503 at once. Every partner-status problem carries `partner_status`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from cockpit import __version__
from cockpit import deadline as time_left
from cockpit.errors import (
    ConfigurationError,
    PartnerConflict,
    PartnerRateLimited,
    PartnerRefused,
    PartnerRejectedArguments,
    PartnerResourceNotFound,
    ProblemError,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from cockpit.observability import logger
from cockpit.partners import request as outbound
from cockpit.partners.auth import OutboundAuthenticator
from cockpit.partners.deadline import within
from cockpit.partners.model import PartnerOperation, PartnerTool, confirmation_question
from cockpit.partners.netguard import AddressRefused, Resolver, check_url, parse_target
from cockpit.partners.resilience import RETRY_STATUSES, CircuitBreaker, RetryPolicy
from cockpit.partners.secrets import SecretFields
from cockpit.partners.signing import idempotency_key, pseudonym, signature
from cockpit.partners.transport import BodyEncoded, BodyTooLarge, read_capped
from cockpit.tools.model import ToolInvocation, ToolResult

MAX_RESPONSE_BYTES = 1024 * 1024
USER_AGENT = f"cockpit-gateway/{__version__}"
MAX_TIMEOUT_S = 10.0
_REFUSALS: dict[int, type[PartnerRefused]] = {
    400: PartnerRejectedArguments,
    422: PartnerRejectedArguments,
    404: PartnerResourceNotFound,
    409: PartnerConflict,
    429: PartnerRateLimited,
}


class _Retryable(Exception):
    """An attempt that failed in a way worth another try (idempotent methods only)."""

    def __init__(self, error: ProblemError) -> None:
        super().__init__(error.detail)
        self.error = error


@dataclass
class PartnerCaller:
    """Everything a partner call needs, built once per container."""

    client: httpx.Client
    secrets: SecretFields
    authenticator: OutboundAuthenticator
    subject_key: Callable[[], bytes]
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    dev_mode: bool = False
    resolver: Resolver | None = None  # the system resolver unless a test names another
    wall_clock: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def call(self, tool: PartnerTool, invocation: ToolInvocation) -> ToolResult:
        op = tool.operation
        if invocation.phase == "preview":
            return ToolResult(status="succeeded", result={"summary": preview_summary(tool, invocation)})
        request = outbound.build(op, invocation.arguments)  # 422 before anything is sent
        if not self.breaker.allow(op.partner_id):
            wait = self.breaker.retry_after(op.partner_id)
            raise UpstreamUnavailable(
                f"{tool.spec.name}: the partner is failing; calls are paused for {wait} s",
                headers={"Retry-After": str(wait)},
            )
        allowed = time_left.budget(_timeout_s(op), op.namespace)  # no time left: 504, not the partner's fault
        started = self.monotonic()
        try:
            body, status, attempts = self._send(op, request, invocation, deadline=started + allowed)
        except ProblemError as exc:
            if isinstance(exc, ConfigurationError):  # the gateway's fault, not the partner's
                self.breaker.release(op.partner_id)
            elif exc.status >= 500:
                self.breaker.failed(op.partner_id)
            else:
                self.breaker.succeeded(op.partner_id)
            _log(op, getattr(exc, "partner_status", None) or exc.status, started, self.monotonic())
            raise
        except Exception:
            self.breaker.failed(op.partner_id)  # never leave a half-open probe hanging
            raise
        self.breaker.succeeded(op.partner_id)
        _log(op, status, started, self.monotonic(), attempts)
        if op.result_property:  # the compiler offered a non-object answer under this property
            return ToolResult(status="succeeded", result={op.result_property: body})
        return ToolResult(status="succeeded", result=body if isinstance(body, dict) else {"value": body})

    def _send(
        self,
        op: PartnerOperation,
        base: outbound.OutboundRequest,
        invocation: ToolInvocation,
        *,
        deadline: float,
    ) -> tuple[Any, int, int]:
        try:
            if parse_target(op.base_url, dev_mode=self.dev_mode).scheme == "http":
                # plain http (development mode only): the whole rule, loopback included, before sending
                check_url(op.base_url, dev_mode=self.dev_mode, resolver=self.resolver)
        except AddressRefused as exc:
            raise UpstreamError(f"{op.namespace}: {exc}") from None
        reauthorized = False
        attempt = 0
        while True:
            attempt += 1
            request = self._prepare(op, base, invocation)
            try:
                status, body, media_type = self._attempt(op, request, deadline)
            except _Retryable as failure:
                pause = self.retry.backoff(attempt)
                may = self.retry.may_retry(op.method) and attempt < self.retry.attempts
                if not may or self.monotonic() + pause >= deadline:
                    raise failure.error from None
                self.sleep(pause)
                continue
            if status == 401 and not reauthorized and self.authenticator.invalidate(op.auth):
                reauthorized = True  # the cached token was refused: one more try with a fresh one
                continue
            return _answer(op, status, body, media_type), status, attempt

    def _prepare(
        self, op: PartnerOperation, base: outbound.OutboundRequest, invocation: ToolInvocation
    ) -> outbound.OutboundRequest:
        request = outbound.OutboundRequest(
            method=base.method,
            origin=base.origin,
            target=base.target,
            headers=dict(base.headers),
            body=base.body,
        )
        self.authenticator.apply(request, op.auth)
        if invocation.idempotency_key:  # lets a partner that supports it drop a repeated write
            request.headers["Idempotency-Key"] = idempotency_key(
                self.subject_key(), op.partner_id, invocation.caller.sub, invocation.idempotency_key
            )
        timestamp = int(self.wall_clock())
        key = self.secrets.field(op.signing_secret_arn, "key").encode()
        request.headers.update(
            {
                "Accept": "application/json",
                "Accept-Encoding": "identity",
                "User-Agent": USER_AGENT,
                "Accept-Language": invocation.locale,
                "X-Cockpit-Subject": pseudonym(self.subject_key(), op.partner_id, invocation.caller.sub),
                "X-Cockpit-Request-Id": invocation.invocation_id,
                "X-Cockpit-Timestamp": str(timestamp),
                "X-Cockpit-Signature": signature(
                    key, request.method, request.target, timestamp, request.body
                ),
            }
        )
        return request

    def _attempt(
        self, op: PartnerOperation, request: outbound.OutboundRequest, deadline: float
    ) -> tuple[int, bytes, str]:
        remaining = deadline - self.monotonic()
        if remaining <= 0:
            raise UpstreamTimeout(f"{op.namespace}: the partner did not answer within {_timeout_s(op):g} s")
        sent = self.client.build_request(
            request.method, request.url, headers=request.headers, content=request.body or None,
            timeout=httpx.Timeout(remaining),
        )  # fmt: skip
        with within(remaining):  # every byte of this attempt, headers and body, by then
            return self._exchange(op, sent, deadline_at=deadline)

    def _exchange(
        self, op: PartnerOperation, sent: httpx.Request, *, deadline_at: float
    ) -> tuple[int, bytes, str]:
        try:
            response = self.client.send(sent, stream=True)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                late = UpstreamTimeout(f"{op.namespace}: the partner could not be reached in time")
                raise _Retryable(late) from None
            raise UpstreamTimeout(
                f"{op.namespace}: the partner did not answer within {_timeout_s(op):g} s"
            ) from None
        except AddressRefused as exc:
            raise UpstreamError(f"{op.namespace}: the partner's address is not allowed ({exc})") from None
        except httpx.HTTPError as exc:
            error = UpstreamError(f"{op.namespace}: the partner is unreachable ({type(exc).__name__})")
            if isinstance(exc, httpx.ConnectError):
                raise _Retryable(error) from None
            raise error from None
        try:
            if response.status_code in RETRY_STATUSES:
                raise _Retryable(
                    PartnerRefused(f"{op.namespace}: the partner answered {response.status_code}",
                                   partner_status=response.status_code)
                )  # fmt: skip
            media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            return response.status_code, self._read(op, response, deadline_at), media_type
        finally:
            response.close()

    def _read(self, op: PartnerOperation, response: httpx.Response, deadline: float) -> bytes:
        try:
            body = read_capped(response, MAX_RESPONSE_BYTES)
        except BodyTooLarge:
            raise UpstreamError(f"{op.namespace}: the partner's answer is larger than 1 MiB") from None
        except BodyEncoded:
            raise UpstreamError(
                f"{op.namespace}: the partner answered a compressed body it was not asked for"
            ) from None
        except httpx.TimeoutException:
            raise UpstreamTimeout(f"{op.namespace}: the partner did not finish answering in time") from None
        except httpx.HTTPError as exc:
            raise UpstreamError(
                f"{op.namespace}: the partner's answer broke off ({type(exc).__name__})"
            ) from None
        if self.monotonic() > deadline:
            raise UpstreamTimeout(f"{op.namespace}: the partner did not finish answering in time")
        return body


def _answer(op: PartnerOperation, status: int, raw: bytes, media_type: str) -> Any:
    if 300 <= status < 400:
        detail = f"{op.namespace}: the partner answered a redirect ({status}); redirects are not followed"
        raise PartnerRefused(detail, partner_status=status)
    if status >= 400:
        cls = _REFUSALS.get(status, PartnerRefused)
        raise cls(
            f"{op.namespace}: the partner answered {status} to {op.operation_id}", partner_status=status
        )
    if status == 204 or not raw.strip():
        return {}
    if media_type == "text/html" or raw.lstrip()[:1] == b"<":
        raise UpstreamError(f"{op.namespace}: the partner answered HTML, not JSON")
    if media_type and media_type != "application/json" and not media_type.endswith("+json"):
        raise UpstreamError(f"{op.namespace}: the partner answered {media_type[:60]}, not JSON")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than any real answer
        raise UpstreamError(f"{op.namespace}: the partner's answer is not valid JSON") from None


def _timeout_s(op: PartnerOperation) -> float:
    return min(op.timeout_ms / 1000, MAX_TIMEOUT_S)


def _log(op: PartnerOperation, status: int, started: float, ended: float, attempts: int = 1) -> None:
    # Never the arguments, the URL's query or any header: they may carry keys or personal data.
    logger().info(
        "partner call",
        extra={
            "partner": op.partner_id,
            "contract": op.contract_id,
            "operation": op.operation_id,
            "status": status,
            "attempts": attempts,
            "duration_ms": round((ended - started) * 1000, 1),
        },
    )


def preview_summary(tool: PartnerTool, invocation: ToolInvocation) -> str:
    """The confirmation question for a partner tool, made by the gateway (the partner is not called)."""
    return confirmation_question(
        tool.spec.title,
        tool.operation.namespace,
        invocation.arguments,
        invocation.locale,
        input_schema=tool.spec.input_schema,
        tool_name=tool.spec.name,
    )
