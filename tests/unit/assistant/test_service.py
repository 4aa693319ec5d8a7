"""The turn's rules over in-memory fakes: question expiry, session lifetime, step and time budgets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assistant.loop import ToolLoop
from assistant.memory import Item, Memory
from assistant.models import CreateSession, TurnRequest
from assistant.offline import OfflinePlanner
from assistant.ports import ModelReply, ModelRequest, ModelToolCall
from assistant.service import AssistantService
from cockpit.dispatch.core import Dispatcher
from cockpit.errors import ConfirmationExpired
from cockpit.tools.catalog import first_party
from cockpit.tools.model import Caller, Role, ToolResult
from tests.support.stores import FakeConfirmations, FakeIdempotency, FakeTarget, InMemorySessions

CAR = Caller(sub="vin-1", role=Role.VEHICLE)
HERE = {"location": {"lat": 31.2304, "lon": 121.4737}}
VEHICLE = {"location": HERE["location"], "battery_percent": 40}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Repeating:
    """A model that always wants one more tool call."""

    provider = "stubborn"

    def __init__(self) -> None:
        self.asked = 0

    def complete(self, request: ModelRequest) -> ModelReply:
        self.asked += 1
        return ModelReply(
            tool_calls=(ModelToolCall(id=f"c{self.asked}", name="charging_find_stations", arguments=HERE),)
        )


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make(
    clock: Clock, model: object = None, target: FakeTarget | None = None
) -> tuple[AssistantService, FakeConfirmations]:
    from assistant.offline import OfflinePlanner

    confirmations = FakeConfirmations(now=clock.now)
    dispatcher = Dispatcher(first_party(), target or FakeTarget(), FakeIdempotency(), confirmations)
    service = AssistantService(InMemorySessions(), dispatcher, model or OfflinePlanner(), clock=clock)  # type: ignore[arg-type]
    return service, confirmations


def with_stations(service: AssistantService, sid: str) -> None:
    """The session remembers a list shown earlier ("the first one")."""
    store = service.store
    session = store.load(sid)
    session.memory.stations = [
        Item(
            kind="station",
            id="CN-SHA-0001",
            name="A",
            location=HERE["location"],
            tool="charging_find_stations",
        )
    ]
    session.memory.shown = "station"
    store.create(session)


def test_an_expired_question_is_dropped_and_its_token_is_refused(clock: Clock) -> None:
    target = FakeTarget()
    service, _ = make(clock, target=target)
    sid = service.create(CAR, CreateSession(vehicle=VEHICLE)).session_id
    with_stations(service, sid)
    target.answers = [ToolResult(status="succeeded", result={"summary": "Start charging at A?"})]
    asked = service.turn(CAR, sid, TurnRequest(text="start charging at the first one"))
    assert asked.pending_confirmation is not None
    clock.now += timedelta(minutes=6)
    with pytest.raises(ConfirmationExpired):
        service.turn(CAR, sid, TurnRequest(confirm=asked.pending_confirmation.token))
    late = service.turn(CAR, sid, TurnRequest(text="yes"))
    assert late.pending_confirmation is None and late.tool_calls == []
    assert all(inv.phase == "preview" or inv.tool != "charging_start_session" for inv in target.seen)


def test_activity_extends_a_session_but_never_past_a_day(clock: Clock) -> None:
    service, _ = make(clock)
    sid = service.create(CAR, CreateSession()).session_id
    first = service.view(CAR, sid).expires_at
    assert first == clock.now + timedelta(minutes=30)
    for _ in range(57):
        clock.now += timedelta(minutes=25)
        service.turn(CAR, sid, TurnRequest(text="hello"))
    assert service.view(CAR, sid).expires_at == datetime(2026, 1, 2, 8, 0, tzinfo=UTC)


def test_a_model_that_never_stops_is_stopped_after_the_step_limit(clock: Clock) -> None:
    model = Repeating()
    service, _ = make(clock, model=model)
    sid = service.create(CAR, CreateSession(vehicle=VEHICLE)).session_id
    out = service.turn(CAR, sid, TurnRequest(text="find a charger"))
    assert model.asked == 4 and len(out.tool_calls) == 4 and out.model.steps == 4
    assert out.reply.startswith("I found no charging stations")  # spoken from the results, not left silent


def test_a_slow_turn_hands_over_to_the_offline_planner() -> None:
    ticks = iter([0.0, 1.0, 30.0, 31.0, 32.0, 33.0])
    loop = ToolLoop(
        Dispatcher(first_party(), FakeTarget(), FakeIdempotency(), FakeConfirmations()),
        4,
        fallback=OfflinePlanner(),
        budget_s=18,
        timer=lambda: next(ticks),
    )
    model = Repeating()
    from assistant.loop import TurnContext
    from cockpit.vehicle import VehicleContext

    ctx = TurnContext("ses_1", 1, CAR, "en-US", VehicleContext(), "car_genius")
    request = ModelRequest(system="", messages=[], tools=list(first_party()), utterance="find a charger")
    out = loop.run(ctx, model, request, Memory())
    assert model.asked == 1 and out.model.fallback and "ran out of time" in str(out.model.reason)
