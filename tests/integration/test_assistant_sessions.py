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
