"""The assistant: a turn's own overhead (a scripted zero-latency model asking for one tool, the tool at
zero cost, sessions in memory) against bare dispatch of the same tool call; DynamoDB calls per turn with
the offline planner calling charging (served in process)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from bench.harness import (
    CONTEXT,
    FIND_STATIONS,
    SQUARE,
    Rounds,
    Table,
    Unlimited,
    ZeroTarget,
    function_env,
    in_process_aws,
    ok,
    quiet,
    signed_in,
    timing,
)

if TYPE_CHECKING:
    from assistant.models import Session, TurnRecord


class MemorySessions:
    """The session store's interface over a dict of JSON texts (serialized as the real store does)."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def create(self, session: Session) -> None:
        self.items[session.session_id] = session.model_dump_json()

    def load(self, session_id: str) -> Session | None:
        from assistant.models import Session

        found = self.items.get(session_id)
        return Session.model_validate_json(found) if found else None

    def save_turn(self, session: Session, _expected_version: int, turn: TurnRecord) -> None:
        self.items[session.session_id] = session.model_dump_json()
        turn.model_dump_json()

    def with_turns(self, session_id: str) -> tuple[Session | None, list[TurnRecord]]:
        return self.load(session_id), []  # turns are serialized, not kept: no measured call reads them

    def delete(self, session_id: str) -> None:
        self.items.pop(session_id, None)


@contextlib.contextmanager
def zero_cost_turn() -> Iterator[tuple[Callable[[], Any], Callable[[], Any]]]:
    """(a turn through the assistant's handler, bare dispatch of the same tool call), both at zero cost:
    the assistant and its dispatcher as their wirings build them from the function's settings, with a
    scripted model, sessions in memory, the tool's target at zero cost and no rate limit."""
    from assistant import wiring
    from assistant.handler import lambda_handler
    from assistant.models import CreateSession
    from assistant.ports import ModelReply, ModelRequest, ModelToolCall
    from cockpit.dispatch import wiring as dispatch_wiring
    from cockpit.dispatch.core import ToolCall
    from cockpit.tools.model import Caller, Role
    from tests.support import events
    from tests.support.partners import FakePartnerToolSource
    from tests.support.wiring import wire

    class ScriptedModel:
        """Asks for charging_find_stations, then answers: zero latency."""

        provider = "scripted"
        call = (ModelToolCall(id="call_1", name="charging_find_stations", arguments=FIND_STATIONS),)

        def complete(self, request: ModelRequest) -> ModelReply:
            asked = request.messages[-1].role == "tool"
            return ModelReply(text="No chargers nearby.") if asked else ModelReply(tool_calls=self.call)

    with function_env("AssistantFunction"), quiet():
        wire(
            "cockpit.dispatch",
            partner_source=FakePartnerToolSource(),
            targets=ZeroTarget(),
            limiter=Unlimited(),
        )
        wire("assistant", sessions=MemorySessions(), model=ScriptedModel())
        gateway = dispatch_wiring.dispatcher()
        car = Caller(sub="vin-test-1", role=Role.VEHICLE)
        sid = wiring.service().create(car, CreateSession()).session_id
        event = signed_in(
            events.api(
                "POST",
                "/v1/sessions/{session_id}/turns",
                path_params={"session_id": sid},
                body={"text": "find a charger"},
                headers={"Content-Type": "application/json"},
            )
        )
        bare = ToolCall(tool="charging_find_stations", arguments=FIND_STATIONS, caller=car)
        yield (lambda: lambda_handler(event, CONTEXT)), (lambda: gateway.invoke(bare))


def dynamodb_calls() -> Table:
    from assistant.handler import lambda_handler as assistant
    from tests.support import events

    rows: list[tuple[str, str]] = []
    json_headers = {"Content-Type": "application/json"}
    with in_process_aws("AssistantFunction", "ChargingFunction") as (_, aws_calls):
        create = signed_in(
            events.api("POST", "/v1/sessions", body={"vehicle": {"location": SQUARE}}, headers=json_headers)
        )
        created, _ = aws_calls.measure("assistant", lambda: assistant(create, CONTEXT))
        sid = ok(created, 201)["session_id"]
        for label, text in (
            ("turn: find a charger (1 read tool)", "find a fast charger"),
            ("turn: start charging at the first (ask)", "start charging at the first one"),
            ("turn: yes (performed, confirmed)", "yes"),
            ("turn: how is my battery (no tool)", "how is my battery"),
        ):
            event = signed_in(
                events.api(
                    "POST",
                    "/v1/sessions/{session_id}/turns",
                    path_params={"session_id": sid},
                    body={"text": text},
                    headers=json_headers,
                )
            )
            answer, detail = aws_calls.measure(
                "assistant", functools.partial(assistant, event, CONTEXT), ("assistant", "charging")
            )
            ok(answer)
            rows.append((label, detail))
    title = "DynamoDB calls per assistant turn (goal: 1 read + 1 write, plus what the tools need)"
    return Table(title, ("turn", "DynamoDB calls"), rows, formats=("",))


def tables(rounds: Rounds) -> Iterator[Table]:
    with zero_cost_turn() as (turn, dispatch):
        assert turn()["statusCode"] == 200
        table = timing(
            "Assistant: a turn's own overhead, scripted zero-latency model, tool at zero cost "
            f"({rounds.warm // 3} calls each, µs)",
            [("bare dispatch (read tool)", dispatch), ("assistant turn (model + 1 tool + answer)", turn)],
            rounds.warm // 3,
            rounds.warmup,
            head="call",
            against="bare dispatch",
        )
    yield table  # printed outside quiet(), which holds the metrics off stdout
    yield dynamodb_calls()
