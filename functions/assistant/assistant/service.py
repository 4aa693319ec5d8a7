"""The assistant's logic: sessions, and a turn — consent first, then agent, tool offer and the loop."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from assistant import agents, consent, prompt, ranking, replies, understand
from assistant.loop import Outcome, ToolLoop, TurnContext
from assistant.memory import remember
from assistant.models import (
    CreateSession,
    Handover,
    HistoryEntry,
    ModelInfo,
    Pending,
    Session,
    SessionCreated,
    SessionView,
    ToolCallView,
    TurnRecord,
    TurnRequest,
    TurnResponse,
)
from assistant.offline import OfflinePlanner
from assistant.ports import ChatModel, Message, ModelRequest, Sessions
from cockpit.clock import utcnow
from cockpit.dispatch.core import Dispatcher, ToolCall
from cockpit.errors import (
    ConfirmationExpired,
    ConfirmationInvalid,
    NotFound,
    ProblemError,
    ProblemItem,
    ValidationFailed,
)
from cockpit.observability import logger
from cockpit.operations import Operations, OperationStatus
from cockpit.tools.model import Caller

SESSION_ID = re.compile(r"ses_[0-9a-f]{24}")


class AssistantService:
    def __init__(
        self,
        store: Sessions,
        dispatcher: Dispatcher,
        model: ChatModel,
        *,
        ttl_s: int = 1800,
        max_steps: int = 4,
        offer_limit: int = 12,
        clock: Callable[[], datetime] = utcnow,
        operations: Operations | None = None,
        fallback: ChatModel | None = None,
    ) -> None:
        """`fallback` finishes a turn the model cannot: the offline planner wiring builds (the same one as
        `model` when the settings choose offline); a new planner when none is given."""
        self.operations = operations
        self.store = store
        self.dispatcher = dispatcher
        self.model = model
        self.ttl = timedelta(seconds=ttl_s)
        self.offer_limit = offer_limit
        self.clock = clock
        self.loop = ToolLoop(dispatcher, max_steps, fallback=fallback or OfflinePlanner())

    # sessions

    def create(self, caller: Caller, body: CreateSession) -> SessionCreated:
        if body.agent is not None and agents.by_id(body.agent) is None:
            known = ", ".join(a.id for a in agents.AGENTS)
            raise ValidationFailed(
                f"unknown agent {body.agent!r}",
                errors=[ProblemItem(pointer="/agent", message=f"one of {known}")],
            )
        now = self.clock()
        session = Session(
            session_id="ses_" + secrets.token_hex(12),
            owner=caller.sub,
            locale=body.locale,
            vehicle=body.vehicle,
            pinned_agent=body.agent,
            created_at=now,
            expires_at=now + self.ttl,
        )
        self.store.create(session)
        return SessionCreated(session_id=session.session_id, expires_at=session.expires_at)

    def view(self, caller: Caller, session_id: str) -> SessionView:
        session, turns = self.store.with_turns(session_id) if SESSION_ID.fullmatch(session_id) else (None, [])
        session = self._owned(caller, session_id, session)
        pending = session.pending if session.pending and session.pending.expires_at > self.clock() else None
        return SessionView(
            session_id=session.session_id,
            locale=session.locale,
            vehicle=session.vehicle,
            turns=turns,
            pending_confirmation=pending.view() if pending else None,
            expires_at=session.expires_at,
        )

    def delete(self, caller: Caller, session_id: str) -> None:
        self._owned(caller, session_id, self._load(session_id))
        self.store.delete(session_id)

    def _load(self, session_id: str) -> Session | None:
        """No read for an id this gateway never issues (a 1,000-character path segment, say)."""
        return self.store.load(session_id) if SESSION_ID.fullmatch(session_id) else None

    def _owned(self, caller: Caller, session_id: str, session: Session | None) -> Session:
        # Another vehicle's session, or an expired one, does not exist for this caller.
        if session is None or session.owner != caller.sub or session.expires_at <= self.clock():
            raise NotFound(f"session {session_id} not found")
        return session

    # turns

    def turn(
        self, caller: Caller, session_id: str, body: TurnRequest, request_id: str | None = None
    ) -> TurnResponse:
        if not body.text and not body.confirm and not body.reject:
            why = "say something, or send confirm or reject"
            raise ValidationFailed(
                f"the turn is empty: {why}", errors=[ProblemItem(pointer="/text", message=why)]
            )
        if body.confirm and body.reject:
            why = "send confirm or reject, not both"
            raise ValidationFailed(why, errors=[ProblemItem(pointer="/reject", message=why)])
        session = self._owned(caller, session_id, self._load(session_id))
        now = self.clock()
        self._check_token(session, body, now)
        expected = session.version
        if body.vehicle is not None:
            session.vehicle = session.vehicle.merged(body.vehicle)
        session.turns += 1
        ctx = TurnContext(session_id, session.turns, caller, session.locale, session.vehicle, "", request_id)
        outcome, agent = self._answer(session, body, ctx, now)
        self._follow_operations(caller, session, outcome)
        before = agents.by_id(session.agent)
        handover = None
        if before is not None and before.id != agent.id:  # car matters <-> travel: say who took over
            handover = Handover.model_validate({"from": before.name, "to": agent.name})
            note = replies.say(session.locale, "handover", to=agent.spoken(session.locale),
                               before=before.spoken(session.locale))  # fmt: skip
            outcome.reply = f"{note} {outcome.reply}"
        turn_id = f"{session.session_id}.{session.turns}"
        record = TurnRecord(
            turn_id=turn_id,
            at=now,
            text=body.text,
            reply=outcome.reply,
            agent=agent.name,
            tool_calls=outcome.views,
            cards=outcome.cards,
        )
        self._advance(session, body, outcome, agent.id, now)
        self.store.save_turn(session, expected, record)
        logger().info(
            "turn",
            extra={
                "agent": agent.id,
                "provider": outcome.model.provider,
                "fallback": outcome.model.fallback,
                "steps": outcome.model.steps,
                "tools": [f"{c.name}:{c.status}" for c in outcome.views],
            },
        )
        return TurnResponse(
            turn_id=turn_id,
            reply=outcome.reply,
            tool_calls=outcome.views,
            pending_confirmation=session.pending.view() if session.pending else None,
            cards=outcome.cards,
            agent=agent.name,
            model=outcome.model,
            handover=handover,
        )

    def _check_token(self, session: Session, body: TurnRequest, now: datetime) -> None:
        """A confirm or reject must name the pending question's token: anything else is stale (409)."""
        given = body.confirm or body.reject
        if given is None:
            return
        field = "/confirm" if body.confirm else "/reject"
        pending = session.pending
        if pending is None or not secrets.compare_digest(pending.token, given):
            raise ConfirmationInvalid(
                "this confirmation token is not the one this session is waiting for",
                errors=[ProblemItem(pointer=field, message="stale or unknown confirmation token")],
            )
        if pending.expires_at <= now:
            raise ConfirmationExpired(
                "the pending question has expired; ask again",
                errors=[ProblemItem(pointer=field, message="expired confirmation token")],
            )

    def _answer(
        self, session: Session, body: TurnRequest, ctx: TurnContext, now: datetime
    ) -> tuple[Outcome, agents.Agent]:
        """Consent is a state machine: a pending action lives for exactly one next turn. That turn's
        yes (or the `confirm` token) performs it; a question about it asks again; anything else drops
        it — a no says so, a new request is answered — and its token is revoked."""
        pending = session.pending
        answer = (
            consent.Answer.YES
            if body.confirm
            else consent.Answer.NO
            if body.reject
            else consent.classify(body.text)
        )
        note = ""
        if pending is not None:
            agent = agents.by_id(pending.agent) or agents.TRAVEL_COMPANION
            ctx.agent = agent.id
            fresh = pending.expires_at > now and pending.asked_turn in (0, session.turns - 1)
            if fresh and answer is consent.Answer.YES:
                session.pending = None
                return self._perform(session, pending, ctx), agent
            if fresh and answer is consent.Answer.ASK:
                session.pending = pending.model_copy(update={"asked_turn": session.turns})
                return Outcome(reply=replies.say(session.locale, "ask", summary=pending.summary)), agent
            self._drop(session)
            if not fresh and answer is consent.Answer.YES:
                return Outcome(reply=replies.say(session.locale, "expired")), agent
            if answer is consent.Answer.NO:
                note = replies.say(session.locale, "dropped")
                if body.reject or not consent.rest_after_no(body.text):
                    return Outcome(reply=note), agent
            elif fresh:
                note = replies.say(session.locale, "set_aside")
        elif _answers_nothing(answer, body.text):  # "yes", "nope, forget it" with nothing pending
            agent = agents.by_id(session.agent) or agents.TRAVEL_COMPANION
            return Outcome(reply=replies.say(session.locale, "nothing_pending")), agent
        outcome, agent = self._plan(session, body, ctx, now)
        if note:
            outcome.reply = f"{note} {outcome.reply}".strip()
        return outcome, agent

    def _drop(self, session: Session) -> None:
        """Forget the pending action and revoke its token, so no later turn or direct call can use it."""
        pending, session.pending = session.pending, None
        if pending is None:
            return
        try:
            self.dispatcher.confirmations.revoke(pending.token)
        except Exception as exc:  # the session no longer holds it; the token dies at its expiry anyway
            logger().warning("confirmation token not revoked", extra={"why": str(exc)})

    def _plan(
        self, session: Session, body: TurnRequest, ctx: TurnContext, now: datetime
    ) -> tuple[Outcome, agents.Agent]:
        visible = self.dispatcher.catalog.visible_for(ctx.caller)
        agent = agents.by_id(session.pinned_agent) or agents.route(body.text, visible, session.agent)
        ctx.agent = agent.id
        mine = agent.subset(visible)
        # the offline planner chooses deterministically among everything its agent has; a hosted model gets
        # the tools ranked for the words (its prompt stays small)
        limit = len(mine) if self.model.provider == "offline" else self.offer_limit
        offered = ranking.rank(body.text, mine, limit)
        request = ModelRequest(
            system=prompt.system_prompt(agent, session, now, [t.name for t in offered]),
            messages=[*prompt.history_messages(session.history), Message(role="user", content=body.text)],
            tools=offered,
            locale=session.locale,
            utterance=body.text,
            vehicle=session.vehicle,
            memory=session.memory.model_copy(deep=True),
        )
        memory = session.memory.model_copy(deep=True)
        outcome = self.loop.run(ctx, self.model, request, memory)
        session.memory = memory
        if outcome.pending is not None:
            session.pending = outcome.pending
        return outcome, agent

    def _perform(self, session: Session, pending: Pending, ctx: TurnContext) -> Outcome:
        """The driver said yes: the stored action, with the stored token and its own Idempotency-Key."""
        call = ToolCall(
            tool=pending.tool,
            arguments=pending.arguments,
            caller=ctx.caller,
            session_id=session.session_id,
            idempotency_key=pending.idempotency_key,
            confirmation_token=pending.token,
            locale=session.locale,
            request_id=ctx.request_id,
            vehicle=session.vehicle,
        )
        out = Outcome(model=ModelInfo(provider="confirmation"))
        started = time.perf_counter()
        try:
            answer = self.dispatcher.invoke(call)
        except ProblemError as exc:
            out.views = [
                ToolCallView(
                    name=pending.tool,
                    arguments=pending.arguments,
                    status="failed",
                    error=exc.problem(),
                    latency_ms=_ms(started),
                )
            ]
            out.reply = replies.failed(session.locale, exc.problem().model_dump(mode="json"))
            return out
        result = (
            answer.result
            if answer.status == "succeeded"
            else answer.model_dump(mode="json", include={"operation"})
        )
        status = "accepted" if answer.status == "accepted" else "succeeded"
        out.views = [
            ToolCallView(
                name=pending.tool,
                arguments=pending.arguments,
                status=status,
                result=result,
                latency_ms=_ms(started),
            )
        ]
        out.cards = replies.cards(pending.tool, status, result)
        out.results = [(pending.tool, result)]
        first_party = not pending.source.startswith("partner:")
        if first_party:
            out.first_party.add(pending.tool)
        remember(session.memory, pending.tool, result, first_party=first_party)
        out.reply = replies.describe(session.locale, pending.tool, status, result)
        return out

    def _follow_operations(self, caller: Caller, session: Session, outcome: Outcome) -> None:
        """An accepted call (charging start) may already be done: read its operation once, so the reply
        says what happened and later turns know the session ("stop charging", "pay for it")."""
        if self.operations is None:
            return
        for view in outcome.views:
            ref = (view.result or {}).get("operation") if view.status == "accepted" else None
            if not isinstance(ref, dict) or not ref.get("id"):
                continue
            op = self.operations.get(str(ref["id"]))
            if op is None or op.owner != caller.sub or op.status is OperationStatus.PENDING:
                continue
            view.result = {**(view.result or {}), "operation": {**ref, "status": op.status.value}}
            if op.status is OperationStatus.SUCCEEDED:
                view.result.update(op.result or {})
                remember(session.memory, view.name, op.result, first_party=view.name in outcome.first_party)
            elif op.error is not None:
                view.error = op.error
            outcome.reply = replies.describe(session.locale, view.name, "accepted", view.result)

    def _advance(
        self, session: Session, body: TurnRequest, outcome: Outcome, agent: str, now: datetime
    ) -> None:
        entry = HistoryEntry(
            user=body.text or ("(confirmed)" if body.confirm else "(rejected)"),
            reply=outcome.reply,
            facts=prompt.facts(outcome.results),
        )
        session.history, session.summary = prompt.fold([*session.history, entry], session.summary)
        session.agent = agent
        session.version += 1
        session.expires_at = min(now + self.ttl, session.ends_at)


def _answers_nothing(answer: consent.Answer, text: str) -> bool:
    """A yes, or a bare no, when no question is waiting: there is nothing to perform or to plan."""
    if answer is consent.Answer.YES:
        return True
    return answer is consent.Answer.NO and not consent.rest_after_no(text) and not understand.asks(text)


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
