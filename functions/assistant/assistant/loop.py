"""The tool loop: ask the model, run its tool calls through the shared Dispatcher, feed results back
with their call ids, stop at an answer, at a confirmation question, or after a bounded number of steps."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from assistant import prompt, replies
from assistant.memory import Memory, remember
from assistant.models import Card, ModelInfo, Pending, ToolCallView
from assistant.ports import ChatModel, Message, ModelReply, ModelRequest, ModelToolCall
from cockpit.dispatch.core import Dispatcher, ToolCall
from cockpit.dispatch.models import InvokeResponse
from cockpit.errors import ModelUnavailable, ProblemError, ToolNotFound, ValidationFailed
from cockpit.observability import logger
from cockpit.tools.model import Caller, ToolSpec
from cockpit.vehicle import VehicleContext

PARALLEL = 4
TURN_BUDGET_S = 18.0  # after this, the offline planner finishes the turn (the function times out at 29 s)


@dataclass
class TurnContext:
    session_id: str
    turn: int  # the turn's number in the session: with the call index, the Idempotency-Key of its writes
    caller: Caller
    locale: str
    vehicle: VehicleContext
    agent: str
    request_id: str | None = None


@dataclass
class Outcome:
    reply: str = ""
    views: list[ToolCallView] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    pending: Pending | None = None
    # First-party results only: they become the history's digest, which later prompts carry undelimited.
    results: list[tuple[str, dict[str, Any] | None]] = field(default_factory=list)
    model: ModelInfo = field(default_factory=lambda: ModelInfo(provider="offline"))
    first_party: set[str] = field(default_factory=set)  # this turn's tools whose results may be remembered


@dataclass
class _Done:
    view: ToolCallView
    message: Message
    answer: InvokeResponse | None = None
    model_error: bool = False  # unknown tool or bad arguments: the model's mistake, told to it once


class ToolLoop:
    def __init__(
        self,
        dispatcher: Dispatcher,
        max_steps: int,
        *,
        fallback: ChatModel,
        budget_s: float = TURN_BUDGET_S,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.dispatcher = dispatcher
        self.max_steps = max_steps
        self.budget_s = budget_s
        self.timer = timer
        self.offline = fallback  # the offline planner (wiring builds it): it finishes what a model cannot

    def run(self, ctx: TurnContext, model: ChatModel, request: ModelRequest, memory: Memory) -> Outcome:
        out = Outcome(model=ModelInfo(provider=model.provider))
        offered = {t.name: t for t in request.tools}
        messages = list(request.messages)
        calls_made = 0
        model_errors = 0
        started = self.timer()
        for step in range(self.max_steps):
            out.model.steps = step + 1
            if model is not self.offline and self.timer() - started > self.budget_s:
                out.model.fallback, out.model.reason = True, "the turn ran out of time for the hosted model"
                model = self.offline
            reply, model = self._ask(model, request, messages, memory, out)
            if not reply.tool_calls:
                out.reply = reply.text.strip() or replies.say(ctx.locale, "done")
                return out
            messages.append(Message(role="assistant", content=reply.text, tool_calls=reply.tool_calls))
            done = self._run_calls(ctx, offered, reply.tool_calls, calls_made)
            calls_made += len(reply.tool_calls)
            for item in done:
                out.views.append(item.view)
                messages.append(item.message)
                if item.view.status in ("succeeded", "accepted"):
                    out.cards += replies.cards(item.view.name, item.view.status, item.view.result)
                    first_party = not offered[item.view.name].source.startswith("partner:")
                    remember(memory, item.view.name, item.view.result, first_party=first_party)
                    if first_party:
                        out.first_party.add(item.view.name)
                        out.results.append((item.view.name, item.view.result))
            asked = next((d for d in done if d.view.status == "confirmation_required"), None)
            if asked is not None and asked.answer is not None and asked.answer.confirmation is not None:
                out.pending = self._pending(
                    ctx,
                    asked,
                    calls_made - len(reply.tool_calls) + done.index(asked),
                    offered[asked.view.name].source,
                )
                out.reply = replies.say(ctx.locale, "ask", summary=asked.answer.confirmation.summary)
                return out
            model_errors += sum(d.model_error for d in done)
            if model_errors >= 2:  # told once already: answer honestly instead of looping
                out.reply = replies.say(ctx.locale, "tool_error")
                return out
        out.reply = self.offline.complete(_with(request, messages)).text or replies.say(ctx.locale, "done")
        return out

    def _ask(
        self,
        model: ChatModel,
        request: ModelRequest,
        messages: list[Message],
        memory: Memory,
        out: Outcome,
    ) -> tuple[ModelReply, ChatModel]:
        current = _with(request, messages, memory)
        try:
            return model.complete(current), model
        except ModelUnavailable as exc:
            if model is self.offline:
                raise
            logger().warning("model unavailable, offline planner answers", extra={"why": exc.detail})
            out.model.fallback, out.model.reason = True, exc.detail
            return self.offline.complete(current), self.offline

    def _run_calls(
        self,
        ctx: TurnContext,
        offered: dict[str, ToolSpec],
        calls: tuple[ModelToolCall, ...],
        first_index: int,
    ) -> list[_Done]:
        jobs = [(call, first_index + i) for i, call in enumerate(calls)]
        reads = [j for j in jobs if (t := offered.get(j[0].name)) is not None and not t.needs_idempotency_key]
        results: dict[int, _Done] = {}
        if len(reads) > 1:
            with ThreadPoolExecutor(max_workers=min(PARALLEL, len(reads))) as pool:
                for (_call, index), done in zip(
                    reads, pool.map(lambda j: self._one(ctx, offered, *j), reads), strict=True
                ):
                    results[index] = done
        for call, index in jobs:
            if index in results:
                continue
            if any(d.view.status == "confirmation_required" for d in results.values()):
                results[index] = _skipped(call)
                continue
            results[index] = self._one(ctx, offered, call, index)
        return [results[index] for _call, index in jobs]

    def _one(self, ctx: TurnContext, offered: dict[str, ToolSpec], call: ModelToolCall, index: int) -> _Done:
        tool = offered.get(call.name)
        arguments = call.arguments if call.arguments is not None else {}
        started: float | None = None
        try:
            if tool is None:
                raise ToolNotFound(f"there is no tool {call.name!r} on offer")
            if call.arguments is None:
                raise ValidationFailed(f"the arguments for {call.name} are not a JSON object")
            key = f"{ctx.session_id}:{ctx.turn}:{index}" if tool.needs_idempotency_key else None
            call_ = ToolCall(
                tool=tool.name,
                arguments=arguments,
                caller=ctx.caller,
                session_id=ctx.session_id,
                idempotency_key=key,
                locale=ctx.locale,
                request_id=ctx.request_id,
                vehicle=ctx.vehicle,
            )
            started = time.perf_counter()
            answer = self.dispatcher.invoke(call_)
        except ProblemError as exc:
            problem = exc.problem()
            took = _since(started)
            view = ToolCallView(
                name=call.name, arguments=arguments, status="failed", error=problem, latency_ms=took
            )
            payload = problem.model_dump(exclude_none=True)
            text = prompt.tool_result_text(call.name, tool.source if tool else "none", {"error": payload})
            mistake = isinstance(exc, ToolNotFound | ValidationFailed)
            return _Done(
                view,
                Message(
                    "tool",
                    text,
                    tool_call_id=call.id,
                    tool_name=call.name,
                    is_error=True,
                    data={"error": payload},
                ),
                None,
                mistake,
            )
        body = answer.model_dump(mode="json", exclude_none=True)
        result = (
            answer.result
            if answer.status == "succeeded"
            else {k: body[k] for k in ("operation", "confirmation") if k in body}
        )
        if answer.status == "confirmation_required":  # the token is the driver's to give, not the model's
            result = {"confirmation": {"summary": answer.confirmation.summary if answer.confirmation else ""}}
        took = _since(started)
        view = ToolCallView(
            name=call.name, arguments=arguments, status=answer.status, result=result, latency_ms=took
        )
        shown = {"status": answer.status, "result": result}
        text = prompt.tool_result_text(call.name, tool.source, shown)
        message = Message("tool", text, tool_call_id=call.id, tool_name=call.name, data=shown)
        return _Done(view, message, answer)

    def _pending(self, ctx: TurnContext, asked: _Done, index: int, source: str) -> Pending:
        confirmation = asked.answer.confirmation if asked.answer else None
        assert confirmation is not None
        return Pending(
            token=confirmation.token,
            tool=asked.view.name,
            arguments=asked.view.arguments,
            summary=confirmation.summary,
            expires_at=confirmation.expires_at,
            idempotency_key=f"{ctx.session_id}:{ctx.turn}:{index}",
            agent=ctx.agent,
            asked_turn=ctx.turn,
            source=source,
        )


def _since(started: float | None) -> int | None:
    """Milliseconds since `started` (None: the call never reached the dispatcher)."""
    return None if started is None else round((time.perf_counter() - started) * 1000)


def _skipped(call: ModelToolCall) -> _Done:
    problem = ProblemError(
        "not attempted: an earlier action in this step waits for the driver's confirmation"
    )
    view = ToolCallView(
        name=call.name, arguments=call.arguments or {}, status="failed", error=problem.problem()
    )
    payload = {"error": {"detail": "not attempted"}}
    text = json.dumps(payload)
    return _Done(
        view,
        Message("tool", text, tool_call_id=call.id, tool_name=call.name, is_error=True, data=payload),
    )


def _with(request: ModelRequest, messages: list[Message], memory: Memory | None = None) -> ModelRequest:
    return ModelRequest(
        system=request.system,
        messages=messages,
        tools=request.tools,
        locale=request.locale,
        utterance=request.utterance,
        vehicle=request.vehicle,
        memory=request.memory if memory is None else memory,
    )
