"""The assistant's session store against a real AWS endpoint (moto server by default): two turns racing on
one session with real concurrency, the DynamoDB calls of a turn, and DELETE erasing every item."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import boto3

from assistant.models import CreateSession, TurnRequest
from assistant.offline import OfflinePlanner
from assistant.ports import ModelReply, ModelRequest
from assistant.service import AssistantService
from assistant.store import SessionStore
from cockpit import aws
from cockpit.confirmations import DynamoConfirmationStore
from cockpit.dispatch.core import Dispatcher
from cockpit.dispatch.targets import LambdaTargets
from cockpit.errors import SessionBusy
from cockpit.idempotency import DynamoIdempotencyStore
from cockpit.tools.catalog import first_party
from cockpit.tools.model import Caller, Role
from cockpit_dev.template import Template
from tests.integration.test_concurrency import race

CAR = Caller(sub="vin-race", role=Role.VEHICLE)


class MeetingModel:
    """Both turns reach the model before either saves: the race is certain, not left to scheduling."""

    provider = "meeting"

    def __init__(self, parties: int) -> None:
        self.gate = threading.Barrier(parties, timeout=30)

    def complete(self, request: ModelRequest) -> ModelReply:
        self.gate.wait()
        return ModelReply(text=f"heard: {request.utterance}")


def service(stack: Template, model: Any) -> AssistantService:
    idem = stack.tables["IdempotencyTable"].name
    dispatcher = Dispatcher(
        first_party(), LambdaTargets({}), DynamoIdempotencyStore(idem), DynamoConfirmationStore(idem)
    )
    return AssistantService(SessionStore(stack.tables["SessionsTable"].name), dispatcher, model)


def test_two_racing_turns_one_wins_one_gets_409(stack: Template) -> None:
    assistant = service(stack, MeetingModel(2))
    sid = assistant.create(CAR, CreateSession()).session_id
    outcomes = race(2, lambda i: assistant.turn(CAR, sid, TurnRequest(text=f"turn {i}")))
    won = [o for o in outcomes if not isinstance(o, Exception)]
    lost = [o for o in outcomes if isinstance(o, Exception)]
    assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], SessionBusy) and lost[0].status == 409
    view = assistant.view(CAR, sid)
    assert [t.reply for t in view.turns] == [won[0].reply]  # the loser left nothing behind


def test_a_turn_reads_once_and_writes_once(stack: Template) -> None:
    assistant = service(stack, OfflinePlanner())
    sid = assistant.create(CAR, CreateSession()).session_id
    calls: Counter[str] = Counter()
    client = aws.client("dynamodb")
    client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.update([model.name]))
    assistant.turn(CAR, sid, TurnRequest(text="hello there"))
    assistant.turn(CAR, sid, TurnRequest(text="what is my battery"))
    assert calls == Counter({"GetItem": 2, "TransactWriteItems": 2})


def test_delete_erases_the_session_and_every_turn(stack: Template, aws_url: str) -> None:
    assistant = service(stack, OfflinePlanner())
    sid = assistant.create(CAR, CreateSession()).session_id
    for text in ("one", "two", "three"):
        assistant.turn(CAR, sid, TurnRequest(text=text))
    table = stack.tables["SessionsTable"].name
    raw = boto3.client("dynamodb", endpoint_url=aws_url)

    def items() -> list[dict[str, Any]]:
        query = raw.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"S#{sid}"}},
        )
        return list(query["Items"])

    assert len(items()) == 4
    ttl = {int(i["expires_at"]["N"]) for i in items()}
    assert all(t > 0 for t in ttl)
    assistant.delete(CAR, sid)
    assert items() == []


class _Asking:
    """Asks to pay on the first turn; the race is between two identical yeses after it."""

    provider = "asking"

    def complete(self, request: ModelRequest) -> ModelReply:
        from assistant.ports import ModelToolCall

        if any(m.role == "tool" for m in request.messages):
            return ModelReply(text="asked")
        args = {"amount": {"amount": 4550, "currency": "CNY"}, "merchant": "acme", "purpose": "parking"}
        return ModelReply(
            tool_calls=(ModelToolCall(id="c1", name="payments_create_payment", arguments=args),)
        )


class _CountingPayments:
    def __init__(self) -> None:
        self.performed = 0
        self.lock = threading.Lock()

    def invoke(self, invocation: Any) -> Any:
        from cockpit.tools.model import ToolResult

        if invocation.phase == "preview":
            return ToolResult(status="succeeded", result={"summary": "Pay ¥45.50 to acme?"})
        with self.lock:
            self.performed += 1
        payment = {
            "id": "pay_" + "0" * 24,
            "status": "succeeded",
            "amount": {"amount": 4550, "currency": "CNY"},
            "merchant": "acme",
            "purpose": "parking",
            "created_at": "2026-01-01T00:00:00Z",
        }
        return ToolResult(status="succeeded", result={"payment": payment})

    def resolve(self, _target: str) -> Any:
        return self


def test_two_concurrent_identical_yeses_have_one_effect(stack: Template) -> None:
    """The same "yes" sent twice at once (a retry, a double tap): both turns read the same pending
    question; the token's conditional delete and the Idempotency-Key let one payment through, and the
    session's conditional write lets one turn be recorded. The other gets a problem, never a 5xx."""
    idem = stack.tables["IdempotencyTable"].name
    target = _CountingPayments()
    dispatcher = Dispatcher(
        first_party(), target, DynamoIdempotencyStore(idem), DynamoConfirmationStore(idem)
    )  # type: ignore[arg-type]
    assistant = AssistantService(
        SessionStore(stack.tables["SessionsTable"].name), dispatcher, _Asking(), offer_limit=64
    )
    sid = assistant.create(CAR, CreateSession()).session_id
    asked = assistant.turn(CAR, sid, TurnRequest(text="pay acme 45.50 for parking"))
    assert asked.pending_confirmation is not None
    outcomes = race(2, lambda _i: assistant.turn(CAR, sid, TurnRequest(text="yes")))
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert target.performed == 1
    assert all(getattr(e, "status", 500) < 500 for e in errors), errors
    assert len(errors) == 1 and errors[0].status == 409  # type: ignore[attr-defined]
    view = assistant.view(CAR, sid)
    assert view.pending_confirmation is None and len(view.turns) == 2
    again = assistant.turn(CAR, sid, TurnRequest(text="yes"))
    assert again.reply == "There is nothing waiting for your confirmation." and target.performed == 1
