"""The dispatcher's policy: validation, idempotency, confirmation and target answers, over in-memory fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cockpit.dispatch.core import Dispatcher, ToolCall, _arguments_hash, negotiate_locale
from cockpit.errors import (
    ConfirmationExpired,
    ConfirmationInvalid,
    Conflict,
    IdempotencyConflict,
    IdempotencyInProgress,
    IdempotencyKeyRequired,
    NotFound,
    ToolNotFound,
    UpstreamError,
    ValidationFailed,
)
from cockpit.tools.catalog import first_party
from cockpit.tools.model import Caller, Role, ToolResult
from tests.support.stores import FakeConfirmations, FakeIdempotency, FakeTarget

CAR = Caller(sub="vin-1", role=Role.VEHICLE)
OTHER_CAR = Caller(sub="vin-2", role=Role.VEHICLE)
HERE = {"location": {"lat": 31.2304, "lon": 121.4737}}
START = {"station_id": "CN-SHA-0001"}
SUMMARY = ToolResult(status="succeeded", result={"summary": "Start charging at X?"})
ACCEPTED = ToolResult(status="accepted", operation_id="op_1")


@pytest.fixture
def target() -> FakeTarget:
    return FakeTarget()


@pytest.fixture
def idem() -> FakeIdempotency:
    return FakeIdempotency()


@pytest.fixture
def confirmations() -> FakeConfirmations:
    return FakeConfirmations()


@pytest.fixture
def dispatcher(target: FakeTarget, idem: FakeIdempotency, confirmations: FakeConfirmations) -> Dispatcher:
    return Dispatcher(first_party(), target, idem, confirmations)


def call(tool: str, arguments: dict, caller: Caller = CAR, **kw: object) -> ToolCall:
    return ToolCall(tool=tool, arguments=arguments, caller=caller, **kw)  # type: ignore[arg-type]


def confirmed_start(d: Dispatcher, target: FakeTarget, key: str = "k1", caller: Caller = CAR) -> str:
    target.answers = [SUMMARY]
    asked = d.invoke(call("charging_start_session", START, caller, idempotency_key=key))
    assert asked.status == "confirmation_required" and asked.confirmation is not None
    return asked.confirmation.token


def test_read_tool_goes_straight_to_its_target(dispatcher: Dispatcher, target: FakeTarget) -> None:
    out = dispatcher.invoke(call("charging_find_stations", HERE, locale="zh-CN"))
    assert out.status == "succeeded" and out.result == {"stations": []}
    (seen,) = target.seen
    assert (seen.tool, seen.caller, seen.locale, seen.phase, seen.confirmed) == (
        "charging_find_stations",
        CAR,
        "zh-CN",
        "execute",
        False,
    )


def test_unknown_tool_and_wrong_role(dispatcher: Dispatcher) -> None:
    with pytest.raises(ToolNotFound):
        dispatcher.invoke(call("charging_teleport", {}))
    with pytest.raises(ToolNotFound):
        dispatcher.invoke(call("charging_find_stations", HERE, Caller(sub="acme", role=Role.PARTNER)))


def test_invalid_arguments_never_reach_the_target(dispatcher: Dispatcher, target: FakeTarget) -> None:
    with pytest.raises(ValidationFailed):
        dispatcher.invoke(call("charging_find_stations", {"location": {"lat": 91, "lon": 0}}))
    assert target.seen == []


def test_write_tool_needs_an_idempotency_key(dispatcher: Dispatcher, target: FakeTarget) -> None:
    with pytest.raises(IdempotencyKeyRequired):
        dispatcher.invoke(call("charging_stop_session", {"session_id": "cs_" + "a" * 24}))
    assert target.seen == []


def test_confirmation_then_perform_once(dispatcher: Dispatcher, target: FakeTarget) -> None:
    token = confirmed_start(dispatcher, target)
    assert target.seen[-1].phase == "preview"
    target.answers = [ACCEPTED]
    out = dispatcher.invoke(
        call("charging_start_session", START, idempotency_key="k1", confirmation_token=token)
    )
    assert out.status == "accepted" and out.operation is not None
    assert out.operation.poll == "/v1/operations/op_1"
    assert target.seen[-1].confirmed is True and target.seen[-1].idempotency_key == "k1"
    # The same key and body again: the first answer, and no second call to the target.
    calls = len(target.seen)
    again = dispatcher.invoke(
        call("charging_start_session", START, idempotency_key="k1", confirmation_token=token)
    )
    assert again == out and len(target.seen) == calls


class Killed(BaseException):
    """The process dying right after the target acted, before the answer was recorded."""


def test_a_confirmed_write_retried_after_a_crash_goes_on_with_the_same_yes(
    dispatcher: Dispatcher, target: FakeTarget, idem: FakeIdempotency
) -> None:
    token = confirmed_start(dispatcher, target)
    target.answers = [ACCEPTED]
    complete = idem.complete
    idem.complete = lambda *_a: (_ for _ in ()).throw(Killed())  # type: ignore[method-assign]
    with pytest.raises(Killed):
        dispatcher.invoke(
            call("charging_start_session", START, idempotency_key="k1", confirmation_token=token)
        )
    idem.complete = complete  # type: ignore[method-assign]
    idem.crash("vin-1", "k1")
    target.answers = [ACCEPTED]  # the domain, keyed by k1, answers its first outcome
    out = dispatcher.invoke(
        call("charging_start_session", START, idempotency_key="k1", confirmation_token=token)
    )
    assert out.status == "accepted" and out.confirmation is None
    assert [s.idempotency_key for s in target.seen if s.phase == "execute"] == ["k1", "k1"]
    # The token stays spent for any other request.
    with pytest.raises(ConfirmationInvalid):
        dispatcher.invoke(
            call("charging_start_session", START, idempotency_key="k2", confirmation_token=token)
        )


def test_same_key_other_body_is_a_conflict(dispatcher: Dispatcher, target: FakeTarget) -> None:
    token = confirmed_start(dispatcher, target)
    target.answers = [ACCEPTED]
    dispatcher.invoke(call("charging_start_session", START, idempotency_key="k1", confirmation_token=token))
    with pytest.raises(IdempotencyConflict):
        dispatcher.invoke(
            call(
                "charging_start_session",
                {"station_id": "CN-SHA-0002"},
                idempotency_key="k1",
                confirmation_token=token,
            )
        )


def test_confirmation_token_is_single_use(dispatcher: Dispatcher, target: FakeTarget) -> None:
    token = confirmed_start(dispatcher, target)
    target.answers = [ACCEPTED]
    dispatcher.invoke(call("charging_start_session", START, idempotency_key="k1", confirmation_token=token))
    with pytest.raises(ConfirmationInvalid):
        dispatcher.invoke(
            call("charging_start_session", START, idempotency_key="k2", confirmation_token=token)
        )


def test_confirmation_bound_to_arguments_and_vehicle(
    dispatcher: Dispatcher, target: FakeTarget, idem: FakeIdempotency
) -> None:
    token = confirmed_start(dispatcher, target)
    with pytest.raises(ConfirmationInvalid):
        dispatcher.invoke(
            call(
                "charging_start_session",
                {"station_id": "CN-SHA-0002"},
                idempotency_key="k2",
                confirmation_token=token,
            )
        )
    with pytest.raises(ConfirmationInvalid):
        dispatcher.invoke(
            call("charging_start_session", START, OTHER_CAR, idempotency_key="k3", confirmation_token=token)
        )
    assert idem.records == {}  # failed attempts release their keys
    assert all(s.phase == "preview" for s in target.seen)


def test_expired_confirmation(
    dispatcher: Dispatcher, target: FakeTarget, confirmations: FakeConfirmations
) -> None:
    token = confirmed_start(dispatcher, target)
    confirmations.now += timedelta(minutes=6)
    with pytest.raises(ConfirmationExpired):
        dispatcher.invoke(
            call("charging_start_session", START, idempotency_key="k1", confirmation_token=token)
        )


def test_target_problem_is_raised_and_key_released(
    dispatcher: Dispatcher, target: FakeTarget, idem: FakeIdempotency
) -> None:
    target.answers = [ToolResult(status="failed", error=Conflict("session is completed").problem())]
    with pytest.raises(Conflict, match="session is completed"):
        dispatcher.invoke(
            call("charging_stop_session", {"session_id": "cs_" + "a" * 24}, idempotency_key="k9")
        )
    assert idem.records == {}
    target.answers = [ToolResult(status="failed", error=NotFound("gone").problem())]
    with pytest.raises(NotFound):
        dispatcher.invoke(call("charging_get_session", {"session_id": "cs_" + "a" * 24}))


@pytest.mark.parametrize(
    "answer",
    [
        ToolResult(status="succeeded", result={"stations": [{"id": 7}]}),  # breaks the output schema
        ToolResult(status="failed"),  # no problem document
    ],
)
def test_bad_target_answers_are_502(dispatcher: Dispatcher, target: FakeTarget, answer: ToolResult) -> None:
    target.answers = [answer]
    with pytest.raises(UpstreamError):
        dispatcher.invoke(call("charging_find_stations", HERE))


def test_accepted_without_operation_is_502(dispatcher: Dispatcher, target: FakeTarget) -> None:
    token = confirmed_start(dispatcher, target)
    target.answers = [ToolResult(status="accepted")]
    with pytest.raises(UpstreamError, match="operation id"):
        dispatcher.invoke(
            call("charging_start_session", START, idempotency_key="k1", confirmation_token=token)
        )


def test_only_a_tool_declared_long_running_may_answer_accepted(
    dispatcher: Dispatcher, target: FakeTarget
) -> None:
    """charging_start_session is declared long-running (its catalog entry says so); a stop is not: an
    `accepted` from it is a bug in the domain, answered 502, never passed on as an operation to follow."""
    long_running = {t.name for t in first_party() if t.long_running}
    assert long_running == {"charging_start_session"}
    target.answers = [ACCEPTED]
    with pytest.raises(UpstreamError, match="not declared long-running"):
        dispatcher.invoke(
            call("charging_stop_session", {"session_id": "cs_" + "a" * 24}, idempotency_key="k9")
        )


def test_preview_without_summary_is_502(dispatcher: Dispatcher, target: FakeTarget) -> None:
    target.answers = [ToolResult(status="succeeded", result={})]
    with pytest.raises(UpstreamError, match="no summary"):
        dispatcher.invoke(call("charging_start_session", START, idempotency_key="k1"))


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, "en-US"),
        ("zh-CN,zh;q=0.9", "zh-CN"),
        ("zh", "zh-CN"),
        ("fr-FR, en;q=0.5", "en-US"),
        ("de", "en-US"),
    ],
)
def test_locale_negotiation(header: str | None, locale: str) -> None:
    assert negotiate_locale(header) == locale


def test_a_read_tool_that_needs_a_yes_asks_then_performs(
    target: FakeTarget, idem: FakeIdempotency, confirmations: FakeConfirmations
) -> None:
    """A partner may mark a GET operation as needing the driver's yes: no Idempotency-Key is needed, the
    question comes first, and the token performs it once."""
    from cockpit.tools.catalog import Catalog

    find = first_party().get("charging_find_stations")
    assert find is not None
    guarded = find.model_copy(update={"requires_confirmation": True})
    d = Dispatcher(Catalog([guarded]), target, idem, confirmations)
    target.answers = [SUMMARY]
    asked = d.invoke(call("charging_find_stations", HERE))
    assert asked.status == "confirmation_required" and asked.confirmation is not None
    assert [s.phase for s in target.seen] == ["preview"]
    done = d.invoke(call("charging_find_stations", HERE, confirmation_token=asked.confirmation.token))
    assert done.status == "succeeded" and target.seen[-1].confirmed is True
    with pytest.raises(ConfirmationInvalid):
        d.invoke(call("charging_find_stations", HERE, confirmation_token=asked.confirmation.token))
    assert idem.records == {}  # a read keeps no idempotency record


def test_a_no_while_the_yes_is_being_performed_is_409_in_progress(
    dispatcher: Dispatcher, target: FakeTarget, idem: FakeIdempotency
) -> None:
    """The yes took the key and is still being performed (the payment may be moving): a 'no' then
    cannot say "nothing changed". It is told to come back; once the yes is done, the 'no' answers its
    outcome; on a key nobody performed, a 'no' is nothing."""
    token = confirmed_start(dispatcher, target)
    no = call("charging_start_session", START, idempotency_key="k1", confirmation_token=token)
    idem.begin(CAR.sub, "k1", _arguments_hash(no))  # the yes, still running
    with pytest.raises(IdempotencyInProgress):
        dispatcher.decline(no)
    idem.complete(CAR.sub, "k1", '{"tool": "charging_start_session", "status": "succeeded", "result": {}}')
    done = dispatcher.decline(no)
    assert done is not None and done.status == "succeeded"
    assert dispatcher.decline(call("charging_start_session", START, idempotency_key="k2")) is None
