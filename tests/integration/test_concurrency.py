"""Races that only real concurrency shows, against a real AWS endpoint (moto server by default)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import boto3
import pytest

from charging.models import StartSessionArgs
from charging.sandbox import SandboxOperator
from charging.service import ChargingService
from charging.store import DynamoEvseStates, SessionStore
from cockpit.confirmations import DynamoConfirmationStore
from cockpit.errors import ConfirmationInvalid, Conflict, IdempotencyConflict, IdempotencyInProgress
from cockpit.idempotency import DynamoIdempotencyStore
from cockpit.operations import OperationStatus, OperationStore
from cockpit.tools.model import Caller, Role, ToolInvocation
from cockpit_dev.template import Template

T = TypeVar("T")
N = 20


def race(n: int, attempt: Callable[[int], T]) -> list[T | Exception]:
    """Run `attempt(i)` for i in range(n) at the same moment; each result or the exception it raised."""
    gate = threading.Barrier(n)

    def run(i: int) -> T | Exception:
        gate.wait()
        try:
            return attempt(i)
        except Exception as exc:  # collected and asserted on by the test
            return exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def table(stack: Template, logical_id: str) -> str:
    return stack.tables[logical_id].name


def test_tables_have_ttl_from_the_template(stack: Template, aws_url: str) -> None:
    client = boto3.client("dynamodb", endpoint_url=aws_url)
    for t in stack.tables.values():
        ttl = client.describe_time_to_live(TableName=t.name)["TimeToLiveDescription"]
        assert ttl["TimeToLiveStatus"] in ("ENABLED", "ENABLING") and ttl["AttributeName"] == "expires_at"


def test_one_idempotency_key_raced_twenty_times_is_claimed_once(stack: Template) -> None:
    store = DynamoIdempotencyStore(table(stack, "IdempotencyTable"))
    key = uuid.uuid4().hex
    outcomes = race(N, lambda _i: store.begin("vin-race", key, "fp-1"))
    assert outcomes.count(None) == 1
    assert all(isinstance(o, IdempotencyInProgress) for o in outcomes if o is not None)
    store.complete("vin-race", key, '{"answer": 1}')
    assert race(N, lambda _i: store.begin("vin-race", key, "fp-1")) == ['{"answer": 1}'] * N
    with pytest.raises(IdempotencyConflict):
        store.begin("vin-race", key, "fp-2")


def test_peek_sees_an_answer_a_running_attempt_and_a_crashed_one(stack: Template) -> None:
    """peek claims nothing: free → None; held by a running attempt → 409 in progress with Retry-After;
    its lock run out (the attempt crashed) → None, as begin would take it over; answered → the answer."""
    now = [1_000_000.0]
    store = DynamoIdempotencyStore(table(stack, "IdempotencyTable"), clock=lambda: now[0], lock_s=60)
    key = uuid.uuid4().hex
    assert store.peek("vin-peek", key, "fp-1") is None
    assert store.begin("vin-peek", key, "fp-1") is None
    with pytest.raises(IdempotencyInProgress) as busy:
        store.peek("vin-peek", key, "fp-1")
    assert busy.value.headers == {"Retry-After": "60"}
    with pytest.raises(IdempotencyConflict):
        store.peek("vin-peek", key, "fp-2")
    now[0] += 61
    assert store.peek("vin-peek", key, "fp-1") is None
    assert store.begin("vin-peek", key, "fp-1") is None  # taken over
    store.complete("vin-peek", key, '{"answer": 2}')
    assert store.peek("vin-peek", key, "fp-1") == '{"answer": 2}'


def test_a_confirmation_token_raced_is_used_once(stack: Template) -> None:
    store = DynamoConfirmationStore(table(stack, "IdempotencyTable"))
    car = Caller(sub="vin-race", role=Role.VEHICLE)
    token = store.issue(car, "charging_start_session", "h1", "Start?").token
    outcomes = race(10, lambda _i: store.consume(token, car, "charging_start_session", "h1"))
    assert sum(isinstance(o, int) for o in outcomes) == 1
    assert all(isinstance(o, ConfirmationInvalid) for o in outcomes if not isinstance(o, int))


def test_a_used_token_goes_on_only_for_the_request_that_used_it(stack: Template) -> None:
    store = DynamoConfirmationStore(table(stack, "IdempotencyTable"))
    car = Caller(sub="vin-crash", role=Role.VEHICLE)
    token = store.issue(car, "payments_create_payment", "h1", "Pay?")
    expires = int(token.expires_at.timestamp())
    assert store.consume(token.token, car, "payments_create_payment", "h1", "req-a") == expires
    # The same request retried after a crash: its own mark, the token's own expiry.
    assert store.consume(token.token, car, "payments_create_payment", "h1", "req-a") == expires
    with pytest.raises(ConfirmationInvalid):
        store.consume(token.token, car, "payments_create_payment", "h1", "req-b")
    with pytest.raises(ConfirmationInvalid):
        store.consume(token.token, car, "payments_create_payment", "h1")
    store.restore(token.token, car, "payments_create_payment", "h1", expires, "req-b")  # not its mark
    with pytest.raises(ConfirmationInvalid):
        store.consume(token.token, car, "payments_create_payment", "h1", "req-b")
    store.restore(token.token, car, "payments_create_payment", "h1", expires, "req-a")
    assert store.consume(token.token, car, "payments_create_payment", "h1", "req-b") == expires


def test_an_evse_raced_by_ten_sessions_is_occupied_once_and_released_once(stack: Template) -> None:
    states = DynamoEvseStates(table(stack, "ChargingTable"))
    evse = f"EVSE-{uuid.uuid4().hex[:6]}"
    outcomes = race(10, lambda i: states.occupy(evse, f"cs_{i}"))
    assert outcomes.count(True) == 1 and outcomes.count(False) == 9
    holder = f"cs_{outcomes.index(True)}"
    assert states.release(evse, "cs_not_the_holder") is False
    assert race(5, lambda _i: states.release(evse, holder)).count(True) == 1


def test_an_operation_completes_once(stack: Template) -> None:
    ops = OperationStore(table(stack, "OperationsTable"))
    op = ops.new(f"op_{uuid.uuid4().hex[:24]}", "vin-race", "charging_start_session")
    boto3.client("dynamodb").put_item(**ops.put_request(op)["Put"])
    outcomes = race(10, lambda i: ops.complete(op, result={"n": i}))
    assert outcomes.count(None) == 1
    assert all(isinstance(o, Conflict) for o in outcomes if o is not None)
    assert ops.get(op.id).status is OperationStatus.SUCCEEDED  # type: ignore[union-attr]


def test_two_vehicles_racing_for_one_charge_point(stack: Template) -> None:
    """Exactly one session becomes ACTIVE. The loser either saw the charge point taken (409 at once) or,
    having seen it free, lost the conditional write on it (its operation fails as occupied)."""
    charging_table = table(stack, "ChargingTable")
    ops = OperationStore(table(stack, "OperationsTable"))
    service = ChargingService(
        SandboxOperator(DynamoEvseStates(charging_table)),
        SessionStore(charging_table),
        ops,
        callback_base=lambda: "http://127.0.0.1:3000",
        pseudonym=lambda sub: f"psn-test-{len(sub)}",
    )
    args = StartSessionArgs(station_id="CN-SHA-0001", evse_uid="CN-SHA-0001-E1")

    def start(i: int) -> Any:
        inv = ToolInvocation(
            invocation_id=str(i),
            tool="charging_start_session",
            arguments=args.model_dump(),
            caller=Caller(sub=f"vin-{i}", role=Role.VEHICLE),
            idempotency_key=uuid.uuid4().hex,
            confirmed=True,
        )
        return service.start_session(inv, args)

    results = race(2, start)
    outcomes = sorted(
        type(r).__name__ if isinstance(r, Exception) else ops.get(r.operation_id).status.value  # type: ignore[union-attr]
        for r in results
    )
    assert outcomes in (["Conflict", "succeeded"], ["failed", "succeeded"]), outcomes
