"""Charging logic: find stations, start (asynchronously), follow, and stop sessions through a CPO port."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from charging import presenter
from charging.geo import haversine_km, route_distance_km
from charging.models import (
    ChargingSession,
    FindStationsArgs,
    OneSession,
    OneStation,
    SessionArgs,
    SessionPayment,
    SessionStatus,
    SessionView,
    StartSessionArgs,
    StationArgs,
    Stations,
)
from charging.ports import (
    ChargePointOperator,
    ChargingSessions,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    Connector,
    Evse,
    EvseStatus,
    Location,
    StartCommand,
    StopCommand,
)
from charging.pricing import cost as tariff_cost
from cockpit.clock import utcnow
from cockpit.errors import (
    Conflict,
    NotFound,
    ProblemError,
    UpstreamError,
    UpstreamTimeout,
)
from cockpit.money import Money
from cockpit.observability import logger
from cockpit.operations import Operation, Operations
from cockpit.payments_client import Payments
from cockpit.reconcile import ReconcileAnswer, Settled
from cockpit.tools.model import Caller, Role, ToolInvocation, ToolResult
from cockpit.undo import Undo

CALLBACK_PATH = "/ocpi/emsp/2.2.1/commands/{command}/{uid}"
START, STOP = "START_SESSION", "STOP_SESSION"
# The pre-authorization covers a full battery's worth of energy over 90 minutes, capped per currency.
HOLD_KWH, HOLD_MINUTES = 80, 90
DOMAIN = "charging"


class ChargingService:
    def __init__(
        self,
        cpo: ChargePointOperator,
        sessions: ChargingSessions,
        operations: Operations,
        callback_base: Callable[[], str],
        clock: Callable[[], datetime] = utcnow,
        payments: Payments | None = None,
        hold_caps: dict[str, int] | None = None,
        *,
        pseudonym: Callable[[str], str],
    ) -> None:
        self.pseudonym = pseudonym  # the driver's id a CPO sees: a keyed HMAC of the vehicle (wiring)
        self.payments = payments
        self.hold_caps = hold_caps or {}
        self.cpo = cpo
        self.sessions = sessions
        self.operations = operations
        self.callback_base = callback_base
        self.clock = clock

    # -- stations -------------------------------------------------------------------------------

    def find_stations(self, args: FindStationsArgs, locale: str = "en-US") -> Stations:
        origin = (args.location.lat, args.location.lon)
        route = [(p.lat, p.lon) for p in args.route] if args.route else None
        found = []
        for loc in self.cpo.locations():
            here = (loc.coordinates.lat, loc.coordinates.lon)
            distance = haversine_km(origin, here)
            off_route = route_distance_km(here, route) if route else None
            if (off_route if off_route is not None else distance) > args.radius_km:
                continue
            view = presenter.station(
                loc, self.cpo.tariff, distance_km=distance, off_route_km=off_route, locale=locale
            )
            if presenter.matches(view, args):
                found.append(view)
        found.sort(key=lambda v: (v.detour_km if v.detour_km is not None else v.distance_km or 0, v.id))
        return Stations(stations=found[: args.limit])

    def get_station(self, args: StationArgs) -> OneStation:
        loc = self._location(args.station_id)
        return OneStation(station=presenter.station(loc, self.cpo.tariff, with_evses=True))

    # -- starting -------------------------------------------------------------------------------

    def describe_start(self, inv: ToolInvocation, args: StartSessionArgs) -> str:
        loc = self._location(args.station_id)
        evse = self._choose_evse(loc, args)
        question = presenter.start_question(loc, evse, args.evse_uid is not None, self.cpo.tariff, inv.locale)
        if args.payment_method_id is None:
            return question
        hold = self._hold(loc, evse)
        method = self._payments().quote(inv.caller, DOMAIN, hold, args.payment_method_id, inv.locale)
        return f"{question} {presenter.hold_note(hold, method.label, inv.locale)}"

    def start_session(self, inv: ToolInvocation, args: StartSessionArgs) -> ToolResult:
        loc = self._location(args.station_id)
        sid, op_id = _ids(inv)
        existing = self.sessions.get(sid)
        if existing is not None:  # the same call again (a retried or duplicated invocation)
            return self._accepted(self._own(inv, existing))
        evse = self._choose_evse(loc, args)
        connector = (
            evse.connectors[0] if args.connector_id is None else self._connector(evse, args.connector_id)
        )
        payment = None
        if args.payment_method_id is not None:  # declined or failed: nothing is written, nothing starts
            hold = self._hold(loc, evse)
            purpose = f"Charging at {loc.name}"
            held = self._payments().authorize(
                inv.caller, DOMAIN, sid, hold, args.payment_method_id, purpose, reference=sid
            )
            payment = SessionPayment(id=held.id, status=held.status, hold=held.amount)
        session = ChargingSession(
            id=sid,
            owner=inv.caller.sub,
            status=SessionStatus.PENDING,
            station_id=loc.id,
            evse_uid=evse.uid,
            connector_id=connector.id,
            operation_id=op_id,
            created_at=self.clock(),
            payment=payment,
        )
        op = self.operations.new(op_id, inv.caller.sub, inv.tool)
        if not self.sessions.create(session, self.operations.put_request(op)):
            return self._accepted(self._own(inv, self.sessions.get(sid)))
        command = StartCommand(
            session_id=sid,
            location_id=loc.id,
            evse_uid=evse.uid,
            connector_id=connector.id,
            response_url=self._callback(START, sid),
            token_uid=self.pseudonym(inv.caller.sub),
        )
        # The CPO failed to take the command: nothing started, so nothing is kept (the session and its
        # operation are forgotten, then the hold is voided).
        with Undo("charging start", sid) as undo:
            undo.add(lambda: self._release(session))
            undo.add(lambda: self.sessions.forget(session, self.operations.delete_request(op)))
            try:
                response = self.cpo.start_session(command)
            except UpstreamTimeout:
                # No answer: the CPO may well have started. The session stays pending (its hold too) and
                # its operation says so; the CPO's callback or, failing that, the reconciler settles it.
                undo.committed()
                logger().warning("a start had no answer; left pending", extra={"session_id": sid})
                raise
        if response.result is not CommandResponseType.ACCEPTED:
            refused = CommandResult(
                result=CommandResultType.REJECTED, message=response.message or response.result
            )
            self._finish_start(session, op, refused)
        elif response.immediate_result is not None:
            self._finish_start(session, op, response.immediate_result)
        return self._accepted(self.sessions.get(sid) or session)

    def command_result(self, session_id: str, command: str, result: CommandResult) -> None:
        """The CPO's CommandResult for a command we sent (OCPI's asynchronous answer)."""
        session = self.sessions.get(session_id) if command in (START, STOP) else None
        if session is None:
            raise NotFound(f"no {command} command is pending for {session_id}")
        waiting = SessionStatus.PENDING if command == START else SessionStatus.STOPPING
        if session.status is not waiting:
            raise Conflict(f"the {command} command for {session_id} already has its result")
        if command == STOP:
            self._finish_stop(session, result)
            return
        op = self.operations.get(session.operation_id)
        if op is None:
            raise NotFound(f"no operation for {session_id}")
        self._finish_start(session, op, result)

    def _finish_start(self, session: ChargingSession, op: Operation, outcome: CommandResult) -> None:
        if outcome.result is CommandResultType.ACCEPTED:
            done = session.model_copy(update={"status": SessionStatus.ACTIVE, "started_at": self.clock()})
            body = OneSession(session=SessionView.of(done)).model_dump(mode="json", exclude_none=True)
            self.sessions.transition(
                done, SessionStatus.PENDING, self.operations.complete_request(op, result=body)
            )
            return
        failure = _failure(outcome, "start")
        done = session.model_copy(update={"status": SessionStatus.FAILED, "failure": failure.detail})
        self.sessions.transition(
            done, SessionStatus.PENDING, self.operations.complete_request(op, error=failure.problem())
        )
        self._finish_release(done)

    # -- the reconciler -------------------------------------------------------------------------

    def reconcile(self, older_than: timedelta) -> ReconcileAnswer:
        """Settle sessions stuck for longer than `older_than`: a START the CPO never answered (nor called
        back) is asked of the CPO — its session found: active; none: failed, EVSE and hold released; a
        failed session whose hold was not released is released; a completed one whose capture did not
        answer is captured."""
        cutoff = self.clock() - older_than
        answer = ReconcileAnswer()
        for s in self.sessions.stuck():
            if s.created_at > cutoff:
                continue
            try:
                done = self._reconcile_one(s)
            except ProblemError as exc:
                logger().warning("reconcile could not settle a session", extra={"status": exc.status})
                answer.waiting.append(s.id)
                continue
            if done is None:
                answer.waiting.append(s.id)
            else:
                after, truth, action = done
                settled = Settled(domain="charging", record="charging_session", id=s.id, was=_state(s),
                                  now=_state(after), truth=truth, action=action)  # fmt: skip
                answer.settled.append(settled)
        return answer

    def _reconcile_one(self, s: ChargingSession) -> tuple[ChargingSession, str, str] | None:
        if s.status is SessionStatus.PENDING:
            op = self.operations.get(s.operation_id)
            if op is None:
                return None
            if self.cpo.started(self._stop_command(s)):
                outcome = CommandResult(result=CommandResultType.ACCEPTED)
                truth, action = "CPO: the session exists", "activated"
            else:
                outcome = CommandResult(result=CommandResultType.TIMEOUT, message="the CPO never started it")
                truth, action = "CPO: no such session", "failed_and_released"
            self._finish_start(s, op, outcome)
        elif s.status is SessionStatus.FAILED:
            self._finish_release(s)
            truth, action = "our record: failed", "voided_hold"
        else:
            self._settle(s)
            truth, action = "our record: completed", "captured"
        after = self.sessions.get(s.id) or s
        return (after, truth, action) if _state(after) != _state(s) else None

    def _finish_release(self, session: ChargingSession) -> None:
        released = self._release(session)
        if released is not None and session.payment is not None:
            paid = session.payment.model_copy(update={"status": released})
            self.sessions.transition(session.model_copy(update={"payment": paid}), session.status)

    # -- following and stopping -----------------------------------------------------------------

    def get_session(self, inv: ToolInvocation, args: SessionArgs) -> OneSession:
        return OneSession(session=SessionView.of(self._own(inv, self.sessions.get(args.session_id))))

    def stop_session(self, inv: ToolInvocation, args: SessionArgs) -> OneSession:
        """Stop charging. A simulated CPO answers at once (COMPLETED); a real one confirms later at
        response_url, so the session is STOPPING until its CommandResult arrives."""
        session = self._own(inv, self.sessions.get(args.session_id))
        if session.status is SessionStatus.COMPLETED and _unsettled(session):
            return OneSession(session=SessionView.of(self._settle(session)))  # a stop whose capture failed
        if session.status is not SessionStatus.ACTIVE:
            raise Conflict(f"charging session {session.id} is {session.status.value.lower()}, not active")
        response = self.cpo.stop_session(self._stop_command(session))
        if response.result is CommandResponseType.UNKNOWN_SESSION:
            return self._complete(session)  # the CPO never opened it (never plugged in): nothing to stop
        if response.result is not CommandResponseType.ACCEPTED:
            raise Conflict(f"the operator refused to stop the session ({response.result.value})")
        outcome = response.immediate_result
        if outcome is None:
            stopping = session.model_copy(update={"status": SessionStatus.STOPPING})
            self.sessions.transition(stopping, SessionStatus.ACTIVE)
            return OneSession(session=SessionView.of(stopping))
        if outcome.result is not CommandResultType.ACCEPTED:
            raise _failure(outcome, "stop")
        return self._complete(session)

    def _finish_stop(self, session: ChargingSession, outcome: CommandResult) -> None:
        if outcome.result is CommandResultType.ACCEPTED:
            done = self._complete(session, settle=False).session
            if done.payment is not None and done.payment.status == "requires_capture":
                try:  # the CPO's callback is no place for a payment error: the driver's stop settles later
                    self._settle(self._own_id(session.id))
                except ProblemError as exc:
                    logger().warning("could not capture a charging payment", extra={"status": exc.status})
            return
        # The charger is still running: the session is active again, and says why the stop failed.
        why = _failure(outcome, "stop").detail
        self.sessions.transition(
            session.model_copy(update={"status": SessionStatus.ACTIVE, "failure": why}),
            SessionStatus.STOPPING,
        )

    def _complete(self, session: ChargingSession, *, settle: bool = True) -> OneSession:
        usage = self.cpo.usage(self._stop_command(session))
        done = session.model_copy(
            update={
                "status": SessionStatus.COMPLETED,
                "ended_at": usage.ended_at,
                "kwh": usage.kwh,
                "cost": usage.cost,
            }
        )
        self.sessions.transition(done, session.status)
        return OneSession(session=SessionView.of(self._settle(done) if settle and _unsettled(done) else done))

    # -- payment ---------------------------------------------------------------------------------

    def _own_id(self, session_id: str) -> ChargingSession:
        found = self.sessions.get(session_id)
        if found is None:
            raise NotFound("charging session not found")
        return found

    def _payments(self) -> Payments:
        if self.payments is None:
            raise Conflict("paying for charging through the gateway is not available here")
        return self.payments

    def _hold(self, loc: Location, evse: Evse) -> Money:
        """The most this session may cost: the tariff's price of a full charge, capped per currency."""
        tariff = next(
            (t for c in evse.connectors for tid in c.tariff_ids if (t := self.cpo.tariff(tid)) is not None),
            None,
        )
        if tariff is None:
            raise Conflict(f"station {loc.id} publishes no tariff, so no amount can be held for it")
        worst = tariff_cost(tariff, HOLD_KWH, charging_minutes=HOLD_MINUTES)
        cap = self.hold_caps.get(worst.currency)
        return worst if cap is None else worst.model_copy(update={"amount": min(worst.amount, cap)})

    def _settle(self, session: ChargingSession) -> ChargingSession:
        """Capture the session's cost from its hold (at most the hold) and release the rest; nothing used,
        or no cost known: release it all. The session records the outcome, so a retried stop settles once."""
        payment = session.payment
        if payment is None:
            return session
        caller = Caller(sub=session.owner, role=Role.VEHICLE)
        cost = session.cost
        if cost is None or cost.amount == 0 or cost.currency != payment.hold.currency:
            done = self._payments().cancel(caller, DOMAIN, payment.id)
        else:
            take = cost.model_copy(update={"amount": min(cost.amount, payment.hold.amount)})
            done = self._payments().capture(caller, DOMAIN, payment.id, take)
        settled = payment.model_copy(update={"status": done.status, "captured": done.captured})
        updated = session.model_copy(update={"payment": settled})
        self.sessions.transition(updated, session.status)
        return updated

    def _release(self, session: ChargingSession) -> str | None:
        """Void the hold of a session that never started; the payment's status after, or None. A failure
        here is logged, not raised: the processor lets an uncaptured hold lapse on its own, and the
        start's own answer matters more."""
        if session.payment is None or self.payments is None:
            return None
        try:
            caller = Caller(sub=session.owner, role=Role.VEHICLE)
            return self.payments.cancel(caller, DOMAIN, session.payment.id).status
        except ProblemError as exc:
            logger().warning("could not release a charging hold", extra={"status": exc.status})
            return None

    def _stop_command(self, session: ChargingSession) -> StopCommand:
        return StopCommand(
            session_id=session.id,
            location_id=session.station_id,
            evse_uid=session.evse_uid,
            connector_id=session.connector_id,
            started_at=session.started_at or session.created_at,
            response_url=self._callback(STOP, session.id),
        )

    # -- helpers --------------------------------------------------------------------------------

    def _location(self, station_id: str) -> Location:
        loc = self.cpo.location(station_id)
        if loc is None:
            raise NotFound(f"station {station_id} not found")
        return loc

    @staticmethod
    def _choose_evse(loc: Location, args: StartSessionArgs) -> Evse:
        if args.evse_uid is not None:
            evse = next((e for e in loc.evses if e.uid == args.evse_uid), None)
            if evse is None:
                raise NotFound(f"station {loc.id} has no charge point {args.evse_uid}")
            if evse.status is not EvseStatus.AVAILABLE:
                raise Conflict(f"charge point {evse.uid} is {evse.status.value.lower()}")
            return evse
        free = [e for e in loc.evses if e.status is EvseStatus.AVAILABLE]
        if not free:
            raise Conflict(f"station {loc.id} has no free charge point right now")
        return max(free, key=lambda e: (max(c.max_electric_power for c in e.connectors), e.uid))

    @staticmethod
    def _connector(evse: Evse, connector_id: str) -> Connector:
        found = next((c for c in evse.connectors if c.id == connector_id), None)
        if found is None:
            raise NotFound(f"charge point {evse.uid} has no connector {connector_id}")
        return found

    @staticmethod
    def _own(inv: ToolInvocation, session: ChargingSession | None) -> ChargingSession:
        if session is None or session.owner != inv.caller.sub:  # another driver's session does not exist
            raise NotFound("charging session not found")
        return session

    def _accepted(self, session: ChargingSession) -> ToolResult:
        """Accepted, naming the session it created as it stands now (its operation follows it to the end)."""
        body = OneSession(session=SessionView.of(session)).model_dump(mode="json", exclude_none=True)
        return ToolResult(status="accepted", operation_id=session.operation_id, result=body)

    def _callback(self, command: str, uid: str) -> str:
        return self.callback_base().rstrip("/") + CALLBACK_PATH.format(command=command, uid=uid)


def _ids(inv: ToolInvocation) -> tuple[str, str]:
    """Session and operation ids derived from the idempotency key: a duplicate invocation finds its own."""
    return inv.derived_id("cs_"), inv.derived_id("op_")


def _unsettled(session: ChargingSession) -> bool:
    return session.payment is not None and session.payment.status == "requires_capture"


def _failure(outcome: CommandResult, action: str) -> ProblemError:
    why = outcome.message or outcome.result.value
    if outcome.result is CommandResultType.TIMEOUT:
        return UpstreamTimeout(f"the charge point did not answer in time ({why})")
    if outcome.result in (CommandResultType.FAILED, CommandResultType.NOT_SUPPORTED):
        return UpstreamError(f"the operator could not {action} the session ({why})")
    return Conflict(f"the operator refused to {action} the session ({why})")


def _state(s: ChargingSession) -> str:
    return f"{s.status.value}/{s.payment.status if s.payment else 'no_payment'}"
