"""`tools/call` over MCP, in both eras, through the one Dispatcher.

2026-07-28 (stateless, multi round-trip): a read is answered at once. A change is never made in the first
round: the first round validates, asks the domain for the driver's question when the tool has one, and
answers `InputRequiredResult` — a form elicitation with the question when a yes is needed, else only a
`requestState` — carrying a sealed state with a server-minted idempotency key (and the confirmation token).
The retry with that state performs the call once; a retry of that final round answers the first outcome.
A generic client needs nothing cockpit-specific.

Handshake revisions (2025-11-25, 06-18, 03-26): no server-to-client requests on a stateless function, so a
tool that asks the driver answers a structured `confirmation_required` result whose token travels only in
`_meta["cockpit/confirmation"]`; the host sends it back in `params._meta["cockpit/confirmation_token"]`,
with its own key in `params._meta["cockpit/idempotency_key"]` (or the Idempotency-Key header).

In both eras a model, which controls only `arguments` and reads only `content`/`structuredContent`, never
sees or sends a secret.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from cockpit.dispatch.core import ResolvedTool, ToolCall
from cockpit.dispatch.models import ConfirmationRequest, InvokeResponse
from cockpit.errors import IdempotencyKeyRequired, ProblemError, ToolNotFound
from cockpit.tools.model import Caller, Effect
from router.request_state import CallState, StateRefused, StateSealer

META = "cockpit/"
CONFIRM = "confirm"  # the key of our one input request
FOLLOW_TOOL = "cockpit_get_operation"
INVALID_PARAMS, MISSING_CAPABILITY = -32602, -32021


class RpcError(Exception):
    """A JSON-RPC error answer (a protocol fault, never a tool's own failure)."""

    def __init__(self, code: int, message: str, status: int = 200, data: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.data = code, message, status, data


class ToolDispatch(Protocol):
    def tool(self, name: str, caller: Caller) -> ResolvedTool: ...

    def prepare(self, call: ToolCall, tool: ResolvedTool | None = None) -> ConfirmationRequest | None: ...

    def decline(self, call: ToolCall) -> InvokeResponse | None: ...

    def invoke(self, call: ToolCall, tool: ResolvedTool | None = None) -> InvokeResponse: ...


@dataclass(frozen=True)
class CallContext:
    """What the transport knew about the request: who, in which language, and the headers' key."""

    caller: Caller
    locale: str
    idempotency_key: str | None
    request_id: str | None
    capabilities: Mapping[str, Any]  # the client's, on 2026-07-28 (per request)


class McpTools:
    def __init__(self, dispatch: Callable[[], ToolDispatch], sealer: Callable[[], StateSealer]) -> None:
        self._dispatch = dispatch
        self._sealer = sealer

    def call(self, params: Mapping[str, Any], ctx: CallContext, *, modern: bool) -> dict[str, Any]:
        name, arguments, meta = _call_params(params)
        call = ToolCall(
            tool=name,
            arguments=arguments,
            caller=ctx.caller,
            idempotency_key=_text(meta, "idempotency_key") or ctx.idempotency_key,
            confirmation_token=None if modern else _text(meta, "confirmation_token"),
            session_id=_text(meta, "session_id"),
            locale=ctx.locale,
            request_id=ctx.request_id,
        )
        try:
            if not modern:
                return tool_result(self._dispatch().invoke(call))
            return self._modern(call, params, ctx)
        except ToolNotFound:
            raise RpcError(INVALID_PARAMS, f"unknown tool: {name}") from None
        except IdempotencyKeyRequired:
            detail = (
                f"{name} changes state: send an idempotency key of your own in "
                f'params._meta["{META}idempotency_key"] (1-255 characters; the same key when retrying the '
                "same action), or the Idempotency-Key header"
            )
            return error_result(IdempotencyKeyRequired(detail))
        except ProblemError as exc:  # the tool's own failure: reported to the model, not a protocol error
            return error_result(exc)

    def _modern(self, call: ToolCall, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        dispatch = self._dispatch()
        text = params.get("requestState")
        if text is not None:
            if not isinstance(text, str):
                raise RpcError(INVALID_PARAMS, "params.requestState must be the string the server sent")
            try:
                state = self._sealer().open(text, ctx.caller.sub, call.tool, call.arguments)
            except StateRefused as refused:
                raise RpcError(INVALID_PARAMS, str(refused)) from None
            return self._final_round(dispatch, call, state, text, params.get("inputResponses"), ctx)
        tool = dispatch.tool(call.tool, ctx.caller)  # resolved once: a partner tool's binding is read once
        if (
            tool.spec.effect is Effect.READ or call.idempotency_key
        ):  # nothing to make idempotent, or the host did
            return self._answer(dispatch.invoke(call, tool), call, ctx, key=call.idempotency_key)
        key = "mcp-" + secrets.token_urlsafe(24)
        confirmation = dispatch.prepare(call, tool)  # validates; asks the domain's question; performs nothing
        return self._input_required(call, ctx, key, confirmation)

    def _final_round(
        self,
        dispatch: ToolDispatch,
        call: ToolCall,
        state: CallState,
        text: str,
        responses: Any,
        ctx: CallContext,
    ) -> dict[str, Any]:
        call = replace(call, idempotency_key=state.key, confirmation_token=state.token)
        if state.token is not None:
            action = _action(responses)
            if action is None:  # the answer is missing: ask again (the spec's advice), same state
                _require_form_elicitation(ctx)
                return input_required(text, state.summary or "")
            if action != "accept":  # decline or cancel: nothing happens, and this yes can never be given
                first = dispatch.decline(call)  # unless this round was already acted on: its first outcome
                return declined_result(call.tool) if first is None else tool_result(first)
        return self._answer(dispatch.invoke(call), call, ctx, key=state.key)

    def _answer(
        self, response: InvokeResponse, call: ToolCall, ctx: CallContext, *, key: str | None
    ) -> dict[str, Any]:
        if response.status == "confirmation_required" and response.confirmation is not None:
            return self._input_required(
                call, ctx, key or "mcp-" + secrets.token_urlsafe(24), response.confirmation
            )
        return tool_result(response)

    def _input_required(
        self, call: ToolCall, ctx: CallContext, key: str, confirmation: ConfirmationRequest | None
    ) -> dict[str, Any]:
        sealer = self._sealer()
        if confirmation is None:
            state = sealer.issue(ctx.caller.sub, call.tool, call.arguments, key)
            return {"resultType": "input_required", "requestState": sealer.seal(state)}
        _require_form_elicitation(ctx)
        state = sealer.issue(
            ctx.caller.sub,
            call.tool,
            call.arguments,
            key,
            token=confirmation.token,
            summary=confirmation.summary,
        )
        return input_required(sealer.seal(state), confirmation.summary)


def input_required(state: str, question: str) -> dict[str, Any]:
    """The driver's question as a form elicitation: accept or decline, nothing to fill in."""
    elicit = {
        "method": "elicitation/create",
        "params": {
            "mode": "form",
            "message": question,
            "requestedSchema": {"type": "object", "properties": {}},
        },
    }
    return {"resultType": "input_required", "inputRequests": {CONFIRM: elicit}, "requestState": state}


def tool_result(response: InvokeResponse) -> dict[str, Any]:
    """A CallToolResult whose `structuredContent` matches the tool's MCP `outputSchema` in every status."""
    if response.status == "confirmation_required" and response.confirmation is not None:
        asked = response.confirmation
        question = {"confirmation_required": {"summary": asked.summary, "expires_at": _iso(asked)}}
        text = (
            f"Nothing has happened yet. Ask the driver: {asked.summary} The host confirms by calling again "
            "with the confirmation it holds."
        )
        meta = {f"{META}confirmation": asked.model_dump(mode="json")}
        return {"content": [{"type": "text", "text": text}], "structuredContent": question, "_meta": meta}
    result = dict(response.result or {})
    if response.status == "accepted" and response.operation is not None:
        op = response.operation
        follow: dict[str, Any] = {"tool": FOLLOW_TOOL, "arguments": {"operation_id": op.id}}
        operation = {"id": op.id, "status": "pending", "poll": op.poll, "follow": follow}
        structured = {**result, "operation": operation}
        text = f"Accepted{_naming(result)}; the work continues. Follow it with {FOLLOW_TOOL} "
        text += json.dumps(follow["arguments"])
        blocks = [{"type": "text", "text": text}, _json_block(structured)]
        return {"content": blocks, "structuredContent": structured, "isError": False}
    return {"content": [_json_block(result)], "structuredContent": result, "isError": False}


def error_result(exc: ProblemError) -> dict[str, Any]:
    problem = exc.problem().model_dump(mode="json", exclude_none=True)
    return {"content": [_json_block(problem)], "isError": True}


def declined_result(tool: str) -> dict[str, Any]:
    text = f"The driver declined: {tool} was not performed and nothing changed."
    return {"content": [{"type": "text", "text": text}], "isError": True}


def _naming(result: Mapping[str, Any]) -> str:
    """': charging session ses_…' — the resource the accepted call created, when it names one."""
    for kind, value in result.items():
        if isinstance(value, Mapping) and isinstance(value.get("id"), str):
            return f": {kind.replace('_', ' ')} {value['id']} ({value.get('status', 'created')})"
    return ""


def _iso(asked: ConfirmationRequest) -> str:
    return str(asked.model_dump(mode="json")["expires_at"])


def _json_block(value: Mapping[str, Any]) -> dict[str, str]:
    return {"type": "text", "text": json.dumps(value, ensure_ascii=False, separators=(",", ":"))}


def _call_params(params: Mapping[str, Any]) -> tuple[str, dict[str, Any], Mapping[str, Any]]:
    name, arguments, meta = params.get("name"), params.get("arguments", {}), params.get("_meta") or {}
    if not isinstance(name, str) or not name:
        raise RpcError(INVALID_PARAMS, "tools/call needs params.name (a tool name)")
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict) or not isinstance(meta, Mapping):
        raise RpcError(INVALID_PARAMS, "params.arguments and params._meta must be objects")
    return name, arguments, meta


def _text(meta: Mapping[str, Any], key: str) -> str | None:
    value = meta.get(f"{META}{key}")
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= 255:
        raise RpcError(INVALID_PARAMS, f"params._meta['{META}{key}'] must be a string of 1-255 characters")
    return value


def _action(responses: Any) -> str | None:
    """The driver's answer to our elicitation: accept, decline, cancel — or None when it is missing."""
    if responses is not None and not isinstance(responses, Mapping):
        raise RpcError(INVALID_PARAMS, "params.inputResponses must be an object keyed like inputRequests")
    answer = (responses or {}).get(CONFIRM)
    action = answer.get("action") if isinstance(answer, Mapping) else None
    return action if action in ("accept", "decline", "cancel") else None


def _require_form_elicitation(ctx: CallContext) -> None:
    """The question is an elicitation; a client that did not declare form elicitation cannot be asked
    (the spec forbids sending it), so the call is refused with what the server needs."""
    elicitation = ctx.capabilities.get("elicitation")
    if isinstance(elicitation, Mapping) and ("form" in elicitation or "url" not in elicitation):
        return
    needed: dict[str, Any] = {"requiredCapabilities": {"elicitation": {"form": {}}}}
    message = "this call needs the driver's confirmation: declare the elicitation (form) capability"
    raise RpcError(MISSING_CAPABILITY, message, status=400, data=needed)
