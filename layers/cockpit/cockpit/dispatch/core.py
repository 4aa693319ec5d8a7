"""The dispatcher: the one place where a tool call is validated, authorized, confirmed and made idempotent."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from cockpit.confirmations import ConfirmationStore
from cockpit.dispatch.models import ConfirmationRequest, InvokeResponse
from cockpit.errors import (
    ConfirmationInvalid,
    IdempotencyKeyRequired,
    ProblemError,
    UpstreamError,
)
from cockpit.idempotency import IdempotencyStore, fingerprint
from cockpit.internal import outcome
from cockpit.observability import logger, tool_metrics
from cockpit.ratelimit import RateLimiter
from cockpit.tools.catalog import Catalog
from cockpit.tools.model import Caller, OperationRef, ToolInvocation, ToolResult
from cockpit.tools.resolved import ResolvedTool, TargetResolver
from cockpit.vehicle import VehicleContext

__all__ = ["Dispatcher", "ResolvedTool", "TargetResolver", "ToolCall", "negotiate_locale"]

SUPPORTED_LOCALES = ("en-US", "zh-CN")


@dataclass(frozen=True)
class ToolCall:
    tool: str
    arguments: dict[str, Any]
    caller: Caller
    session_id: str | None = None
    idempotency_key: str | None = None
    confirmation_token: str | None = None
    locale: str = "en-US"
    request_id: str | None = None  # the caller's correlation id, carried to the target
    vehicle: VehicleContext | None = None  # the session's vehicle context, when the assistant calls


class Dispatcher:
    def __init__(
        self,
        catalog: Catalog,
        targets: TargetResolver,
        idempotency: IdempotencyStore,
        confirmations: ConfirmationStore,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.catalog = catalog
        self.targets = targets
        self.idempotency = idempotency
        self.confirmations = confirmations
        self.limiter = limiter

    def tool(self, name: str, caller: Caller) -> ResolvedTool:
        """The tool of that name this caller may call, resolved for one call: its contract, compiled checks
        and target (404 otherwise). A caller that resolved it already hands it to `prepare` or `invoke`."""
        return self.catalog.resolve(name, caller, self.targets)

    def _resolved(self, call: ToolCall, tool: ResolvedTool | None) -> ResolvedTool:
        if tool is None:
            return self.catalog.resolve(call.tool, call.caller, self.targets)
        if tool.spec.name != call.tool:  # a programming error, never a caller's
            raise ValueError(f"{tool.spec.name} was resolved for a call of {call.tool}")
        return tool

    def _admit(self, caller: Caller, tool: ResolvedTool) -> None:
        """The caller's rate limits, before any work: a flood costs the flooder, not the others (every
        round counts: MCP's question round as REST's first call does)."""
        if self.limiter is not None:
            self.limiter.take(caller, tool.spec)

    def prepare(self, call: ToolCall, tool: ResolvedTool | None = None) -> ConfirmationRequest | None:
        """The first round of a call that a protocol carries in two (MCP 2026-07-28): validate it and, when
        the tool asks the driver for these arguments, ask the domain's preview and issue the confirmation.
        Nothing is performed. None: no yes is needed; `invoke` with a key performs the call."""
        tool = self._resolved(call, tool)
        self._admit(call.caller, tool)
        with tool_metrics(tool.spec.name):
            tool.check_arguments(call.arguments)
            if not tool.spec.requires_confirmation:
                return None
            return self._question(tool, call, _arguments_hash(call))

    def decline(self, call: ToolCall) -> InvokeResponse | None:
        """The driver said no: the confirmation is used up, nothing is performed (an unknown or already
        used token is no error: declining twice is declining). None, unless this very call (its key and
        arguments) was already performed on an earlier yes: then that first outcome, which a 'no' that
        comes after cannot undo (MCP 2026-07-28: a retried final round answers the first outcome); while
        that yes is still being performed, 409 in progress: the 'no' comes too late to say "nothing"."""
        tool = self.tool(call.tool, call.caller)
        if tool.spec.needs_idempotency_key and call.idempotency_key:
            done = self.idempotency.peek(call.caller.sub, call.idempotency_key, _arguments_hash(call))
            if done is not None:
                return InvokeResponse.model_validate_json(done)
        if call.confirmation_token:
            with contextlib.suppress(ConfirmationInvalid):
                self.confirmations.consume(
                    call.confirmation_token, call.caller, tool.spec.name, _arguments_hash(call)
                )
        return None

    def invoke(self, call: ToolCall, tool: ResolvedTool | None = None) -> InvokeResponse:
        tool = self._resolved(call, tool)
        spec = tool.spec
        self._admit(call.caller, tool)
        with tool_metrics(spec.name):
            tool.check_arguments(call.arguments)
            if spec.needs_idempotency_key and not call.idempotency_key:
                raise IdempotencyKeyRequired(f"{spec.name} changes state: send an Idempotency-Key header")
            if not (spec.needs_idempotency_key or spec.requires_confirmation):
                return self._perform(tool, call, "", confirm=False)  # the hot path: a plain read
            args_hash = _arguments_hash(call)
            if spec.requires_confirmation and not call.confirmation_token:
                return self._ask_confirmation(tool, call, args_hash)
            if not spec.needs_idempotency_key:  # a read the driver must approve (a partner may ask that)
                return self._perform(tool, call, args_hash, confirm=True)
            return self._perform_once(tool, call, args_hash, confirm=spec.requires_confirmation)

    def _perform_once(
        self, tool: ResolvedTool, call: ToolCall, args_hash: str, *, confirm: bool
    ) -> InvokeResponse:
        key = str(call.idempotency_key)
        replay = self.idempotency.begin(call.caller.sub, key, args_hash)
        if replay is not None:
            logger().info("idempotent replay", extra={"tool": tool.name})
            return InvokeResponse.model_validate_json(replay)
        try:
            answer = self._perform(tool, call, args_hash, confirm=confirm)
        except BaseException:
            self.idempotency.abandon(call.caller.sub, key)
            raise
        self.idempotency.complete(call.caller.sub, key, answer.model_dump_json())
        return answer

    def _perform(
        self, tool: ResolvedTool, call: ToolCall, args_hash: str, *, confirm: bool
    ) -> InvokeResponse:
        if not confirm:
            result = self._call_target(tool, call, phase="execute", confirmed=False)
        else:
            token = str(call.confirmation_token)
            # The token is marked used by this request (caller, key, arguments): a retry of it after a
            # crash (the first attempt used the token, then died before answering) goes on with the same
            # yes, and the domain, keyed by the same Idempotency-Key, answers its first outcome.
            mine = (
                fingerprint([call.caller.sub, call.idempotency_key, args_hash])
                if call.idempotency_key
                else None
            )
            expires_at = self.confirmations.consume(token, call.caller, tool.name, args_hash, mine)
            try:
                result = self._call_target(tool, call, phase="execute", confirmed=True)
            except ProblemError as refused:
                # A refusal (4xx) happened before anything did: the driver's yes still stands. After a
                # 5xx or a timeout nobody knows what the partner did, so the yes is spent: ask again.
                if refused.status < 500:
                    self.confirmations.restore(token, call.caller, tool.name, args_hash, expires_at, mine)
                else:
                    self.confirmations.forget(token, mine)
                raise
            except Exception:
                self.confirmations.forget(token, mine)
                raise
        if result.status == "accepted":
            if not tool.spec.long_running:
                raise UpstreamError(f"{tool.name}: answered accepted but is not declared long-running")
            if not result.operation_id:
                raise UpstreamError(f"{tool.name}: accepted without an operation id")
            ref = OperationRef(id=result.operation_id, poll=f"/v1/operations/{result.operation_id}")
            # `result`: what the call created, as it stands now (a charging session, PENDING or ACTIVE)
            return InvokeResponse(tool=tool.name, status="accepted", operation=ref, result=result.result)
        return InvokeResponse(tool=tool.name, status="succeeded", result=result.result or {})

    def _ask_confirmation(self, tool: ResolvedTool, call: ToolCall, args_hash: str) -> InvokeResponse:
        if tool.spec.needs_idempotency_key:
            # A call already answered under this key answers that again, without a new question (a retried
            # free booking must not be previewed against the slot it has just taken); another request → 409.
            replay = self.idempotency.peek(call.caller.sub, str(call.idempotency_key), args_hash)
            if replay is not None:
                return InvokeResponse.model_validate_json(replay)
        confirmation = self._question(tool, call, args_hash)
        if confirmation is None:
            # The domain says these arguments need no yes (a free booking): perform at once.
            if not tool.spec.needs_idempotency_key:
                return self._perform(tool, call, "", confirm=False)
            return self._perform_once(tool, call, args_hash, confirm=False)
        return InvokeResponse(tool=tool.name, status="confirmation_required", confirmation=confirmation)

    def _question(self, tool: ResolvedTool, call: ToolCall, args_hash: str) -> ConfirmationRequest | None:
        """The domain's preview as a confirmation the driver answers, or None when it needs no yes."""
        preview = self._call_target(tool, call, phase="preview", confirmed=False)
        if (preview.result or {}).get("confirmation_required") is False:
            return None
        summary = str((preview.result or {}).get("summary") or "")
        if not summary:
            raise UpstreamError(f"{tool.name}: the preview carried no summary to confirm")
        issued = self.confirmations.issue(call.caller, tool.name, args_hash, summary)
        return ConfirmationRequest(token=issued.token, summary=summary, expires_at=issued.expires_at)

    def _call_target(
        self, tool: ResolvedTool, call: ToolCall, *, phase: Literal["preview", "execute"], confirmed: bool
    ) -> ToolResult:
        invocation = ToolInvocation(
            invocation_id=call.request_id or uuid.uuid4().hex,
            tool=tool.name,
            arguments=call.arguments,
            caller=call.caller,
            session_id=call.session_id,
            idempotency_key=call.idempotency_key,
            confirmed=confirmed,
            locale=call.locale,
            vehicle=call.vehicle,
            phase=phase,
        )
        result = outcome(tool.invoke(invocation), tool.name)
        # A result is held to the tool's schema; so is what an accepted call names (the same shape, earlier).
        checked = result.status == "succeeded" or result.result is not None
        if checked and phase == "execute" and tool.checks.result is not None:
            self._check_output(tool, result)
        return result

    def _check_output(self, tool: ResolvedTool, result: ToolResult) -> None:
        try:
            tool.check_result(result.result or {})
        except ValueError as exc:
            logger().error("tool result breaks its output schema", extra={"tool": tool.name, "why": str(exc)})
            raise UpstreamError(
                f"{tool.name}: the target answered a result that breaks the tool's schema"
            ) from None


def _arguments_hash(call: ToolCall) -> str:
    """What a confirmation and an idempotency record are bound to: tool, exact arguments, session."""
    return fingerprint({"tool": call.tool, "arguments": call.arguments, "session": call.session_id})


def negotiate_locale(accept_language: str | None) -> str:
    """The first supported locale named in Accept-Language (language match is enough), else en-US."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        for locale in SUPPORTED_LOCALES:
            if tag and (tag == locale.lower() or tag == locale.split("-")[0].lower()):
                return locale
    return SUPPORTED_LOCALES[0]
