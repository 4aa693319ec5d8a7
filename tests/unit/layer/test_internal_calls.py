"""The one function-to-function path (`cockpit.internal`): what a caller sends, how every kind of answer
comes back as a problem (one mapping), where pointers are moved (one place), and what is refused before
the call. Lambda is a fake that answers what it is given and keeps what it was sent."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from cockpit import aws
from cockpit.dispatch.core import Dispatcher, ToolCall
from cockpit.errors import (
    ConfigurationError,
    ForeignProblem,
    IdempotencyInProgress,
    NotFound,
    PaymentDeclined,
    Problem,
    ProblemError,
    ProblemItem,
    ToolNotFound,
    UpstreamError,
    UpstreamTimeout,
    ValidationFailed,
    from_problem,
)
from cockpit.internal import FunctionClient, outcome, rewrite
from cockpit.tools.catalog import first_party
from cockpit.tools.handlers import ToolHandlers
from cockpit.tools.model import Caller, Role, ToolInvocation, ToolResult
from tests.support.fake_lambda import FakeLambda
from tests.support.stores import FakeConfirmations, FakeIdempotency, FakeTarget

CAR = Caller(sub="vin-1", role=Role.VEHICLE)
PARTNER = Caller(sub="partner-1", role=Role.PARTNER)
HERE = {"location": {"lat": 31.2304, "lon": 121.4737}, "radius_km": 3}
FOREIGN = {
    "type": "https://booking.example/problems/slot-gone",
    "title": "Slot gone",
    "status": 410,
    "detail": "the 19:00 table was taken",
    "errors": [{"pointer": "/arguments/slot_id", "message": "taken"}],
    "venue_id": "v-7",
}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Any:
    def use(lam: FakeLambda) -> FakeLambda:
        monkeypatch.setattr(aws, "client_within", lambda _service, _what: lam)
        return lam

    return use


def failed(problem: dict[str, Any]) -> dict[str, Any]:
    return {"status": "failed", "error": problem}


# -- one mapping of an answer back into a problem --------------------------------------------------


def test_a_problem_type_the_caller_does_not_know_passes_through_with_its_status() -> None:
    err = from_problem(Problem.model_validate(FOREIGN))
    assert isinstance(err, ForeignProblem) and err.status == 410
    doc = err.problem().model_dump(exclude_none=True)
    assert doc == FOREIGN  # type, title, status, detail, pointers and extension members, as answered


def test_two_foreign_kinds_keep_their_own_status_each() -> None:
    a = from_problem(Problem(type="https://x.example/a", title="A", status=409, detail="a"))
    b = from_problem(Problem(type="https://x.example/b", title="B", status=451, detail="b"))
    assert (a.status, a.type_uri(), b.status, b.type_uri()) == (
        409,
        "https://x.example/a",
        451,
        "https://x.example/b",
    )
    assert not isinstance(a, type(b))


def test_a_known_type_becomes_its_own_class() -> None:
    err = from_problem(PaymentDeclined("card declined").problem())
    assert type(err) is PaymentDeclined and err.detail == "card declined"


@pytest.mark.parametrize(
    "problem",
    [
        {"type": "https://x.example/melted", "title": "Melted", "status": 500, "detail": "x"},  # a 5xx
        {"type": "https://x.example/odd", "title": "Odd", "status": 200, "detail": "x"},  # no error at all
        {**NotFound("x").problem().model_dump(), "status": 418},  # a known type with another status
    ],
    ids=["foreign-5xx", "not-an-error-status", "known-type-wrong-status"],
)
def test_anything_else_from_a_callee_is_a_clean_502(problem: dict[str, Any]) -> None:
    err = from_problem(Problem.model_validate(problem))
    assert type(err) is UpstreamError and err.status == 502


@pytest.mark.parametrize(
    ("lam", "error"),
    [
        (FakeLambda(b"<html>"), UpstreamError),
        (FakeLambda({"status": "done"}), UpstreamError),
        (FakeLambda({"status": "failed"}), UpstreamError),
        (FakeLambda({"errorType": "KeyError", "errorMessage": "x"}, error="Unhandled"), UpstreamError),
        (
            FakeLambda({"errorType": "Sandbox.Timedout", "errorMessage": "x"}, error="Unhandled"),
            UpstreamTimeout,
        ),
        (FakeLambda(failed({**FOREIGN, "status": 503})), UpstreamError),
    ],
    ids=["garbage", "not-a-result", "failed-without-problem", "crashed", "timed-out", "foreign-5xx"],
)
def test_garbage_and_failures_from_a_callee_are_502_or_504(fake: Any, lam: FakeLambda, error: Any) -> None:
    fake(lam)
    with pytest.raises(error) as caught:
        FunctionClient("fn").invoke(ToolInvocation(invocation_id="i", tool="t", arguments={}, caller=CAR))
    assert type(caught.value) is error


def test_the_dispatcher_answers_a_foreign_problem_with_its_own_status() -> None:
    target = FakeTarget()
    target.answers = [ToolResult(status="failed", error=Problem.model_validate(FOREIGN))]
    dispatcher = Dispatcher(first_party(), target, FakeIdempotency(), FakeConfirmations())
    with pytest.raises(ProblemError) as caught:
        dispatcher.invoke(ToolCall(tool="charging_find_stations", arguments=HERE, caller=CAR))
    assert caught.value.status == 410 and caught.value.problem().type == FOREIGN["type"]


# -- pointers: moved in one place --------------------------------------------------------------------


def problem_with(*pointers: str | None) -> Problem:
    items = [
        ProblemItem(pointer=p, message=f"bad {p}") if p else ProblemItem(header="x", message="h")
        for p in pointers
    ]
    return ValidationFailed("bad", errors=items).problem()


def test_pointers_are_kept_when_the_callees_arguments_are_the_callers() -> None:
    doc = problem_with("/arguments/a", None)
    assert rewrite(doc, None) == doc


def test_pointers_are_moved_into_the_callers_arguments_and_the_rest_dropped() -> None:
    doc = problem_with("/arguments/method_id", "/arguments/method", "/arguments/amount/amount", None)
    moved = rewrite(
        doc, {"/arguments/method_id": "/arguments/payment_method_id", "/arguments/amount": "/arguments/price"}
    )
    assert [(e.pointer, e.message) for e in moved.errors or []] == [
        ("/arguments/payment_method_id", "bad /arguments/method_id"),
        ("/arguments/price/amount", "bad /arguments/amount/amount"),  # below a key, moved with it
    ]
    assert rewrite(doc, {}).errors is None  # nothing the caller's caller sent: no pointers at all


def test_outcome_moves_the_pointers_of_the_problem_it_raises() -> None:
    answer = ToolResult(status="failed", error=problem_with("/arguments/method_id"))
    with pytest.raises(ValidationFailed) as caught:
        outcome(answer, "x", {"/arguments/method_id": "/arguments/payment_method_id"})
    assert [e.pointer for e in caught.value.errors or []] == ["/arguments/payment_method_id"]
    ok = ToolResult(status="succeeded", result={"a": 1})
    assert outcome(ok, "x") is ok


# -- a tool called by another function: held to the tool's contract -----------------------------------


def test_a_tool_call_sends_the_envelope_and_checks_the_result(fake: Any) -> None:
    lam = fake(FakeLambda({"status": "succeeded", "result": {"stations": []}}))
    got = FunctionClient("charging-fn").call_tool(
        first_party(), "charging_find_stations", HERE, CAR, locale="zh-CN"
    )
    assert got == {"stations": []}
    (sent,) = lam.sent
    assert sent["FunctionName"] == "charging-fn"
    envelope = sent["Payload"]
    assert (envelope["kind"], envelope["tool"], envelope["arguments"], envelope["locale"]) == (
        "tool_invocation",
        "charging_find_stations",
        HERE,
        "zh-CN",
    )


@pytest.mark.parametrize(
    ("arguments", "pointer"),
    [
        ({"location": {"lat": 91, "lon": 0}}, "/arguments/location/lat"),
        ({**HERE, "radius_km": 500}, "/arguments/radius_km"),
        ({**HERE, "connectors": ["NACS"]}, "/arguments/connectors/0"),
        ({**HERE, "teleport": True}, "/arguments"),
    ],
)
def test_invalid_internal_arguments_are_refused_before_the_call(
    fake: Any, arguments: dict[str, Any], pointer: str
) -> None:
    lam = fake(FakeLambda({"status": "succeeded", "result": {"stations": []}}))
    client = FunctionClient("fn")
    with pytest.raises(ValidationFailed) as caught:
        client.call_tool(first_party(), "charging_find_stations", arguments, CAR)
    assert pointer in {e.pointer for e in caught.value.errors or []}
    with pytest.raises(ValidationFailed) as dropped:  # the caller's own caller never sent these
        client.call_tool(first_party(), "charging_find_stations", arguments, CAR, pointers={})
    assert dropped.value.errors is None
    assert lam.sent == []


def test_only_a_read_the_caller_may_call_goes_function_to_function(fake: Any) -> None:
    lam = fake(FakeLambda({"status": "succeeded", "result": {}}))
    client = FunctionClient("fn")
    with pytest.raises(ToolNotFound):  # the tool's roles hold here as in the dispatcher
        client.call_tool(first_party(), "charging_find_stations", HERE, PARTNER)
    with pytest.raises(ConfigurationError, match="only the dispatcher"):  # needs a yes and a key
        client.call_tool(first_party(), "charging_start_session", {"station_id": "CN-SHA-0001"}, CAR)
    with pytest.raises(ToolNotFound):
        client.call_tool(first_party(), "charging_teleport", {}, CAR)
    assert lam.sent == []


def test_a_result_that_breaks_the_tools_schema_is_502(fake: Any) -> None:
    fake(FakeLambda({"status": "succeeded", "result": {"stations": [{"id": 7}]}}))
    with pytest.raises(UpstreamError, match="schema"):
        FunctionClient("fn").call_tool(first_party(), "charging_find_stations", HERE, CAR)


# -- internal commands -----------------------------------------------------------------------------


class Hold(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: int = Field(gt=0)
    method_id: str | None = Field(default=None, pattern=r"^pm_[a-z]+$")


def test_a_command_is_sent_as_a_command_and_its_arguments_checked_first(fake: Any) -> None:
    lam = fake(FakeLambda({"status": "succeeded", "result": {"ok": True}}))
    client = FunctionClient("fn")
    assert client.command("demo.hold", Hold, {"amount": 5}, CAR) == {"ok": True}
    assert (lam.sent[0]["Payload"]["kind"], lam.sent[0]["Payload"]["tool"]) == ("command", "demo.hold")
    pointers = {"/arguments/method_id": "/arguments/payment_method_id"}
    with pytest.raises(ValidationFailed) as caught:
        client.command("demo.hold", Hold, {"amount": 0, "method_id": "visa"}, CAR, pointers=pointers)
    assert [e.pointer for e in caught.value.errors or []] == ["/arguments/payment_method_id"]
    assert len(lam.sent) == 1


handlers = ToolHandlers()


@handlers.tool("demo_read", Hold)
def read(_inv: ToolInvocation, args: Hold) -> Hold:
    return args


@handlers.command("demo.hold", Hold)
def hold(_inv: ToolInvocation, args: Hold) -> Hold:
    return args


def envelope(kind: str, name: str, arguments: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return ToolInvocation.model_validate(
        {"kind": kind, "invocation_id": "i", "tool": name, "arguments": arguments, "caller": CAR, **kw}
    ).model_dump(mode="json")


def test_the_callee_serves_commands_apart_from_tools() -> None:
    assert handlers.handle(envelope("command", "demo.hold", {"amount": 2})) == {
        "status": "succeeded",
        "result": {"amount": 2},
    }
    assert handlers.names == {"demo_read"}  # a command is never a tool (the catalog is held to `names`)
    assert handlers.handle(envelope("tool_invocation", "demo.hold", {"amount": 2}))["error"]["status"] == 404
    assert handlers.handle(envelope("command", "demo_read", {"amount": 2}))["error"]["status"] == 404
    refused = handlers.handle(envelope("command", "demo.hold", {"amount": -1}))["error"]
    assert refused["status"] == 422 and refused["errors"][0]["pointer"] == "/arguments/amount"
    assert (
        handlers.handle(envelope("command", "demo.hold", {"amount": 2}, phase="preview"))["status"]
        == "failed"
    )
    with pytest.raises(ValueError, match="dot"):
        handlers.command("demo_hold", Hold)


@handlers.command("demo.busy", Hold)
def busy(_inv: ToolInvocation, args: Hold) -> Hold:
    raise IdempotencyInProgress(f"hold {args.amount} is being made", headers={"Retry-After": "7"})


def test_retry_after_of_an_in_progress_answer_crosses_the_call(fake: Any) -> None:
    """A callee's "in progress, retry in 7 s" reaches the caller's caller with its Retry-After (the
    driver's client waits the right time), and the problem itself is unchanged."""
    answered = handlers.handle(envelope("command", "demo.busy", {"amount": 3}))
    assert answered["retry_after"] == 7 and answered["error"]["status"] == 409
    fake(FakeLambda(answered))
    with pytest.raises(IdempotencyInProgress) as caught:
        FunctionClient("fn").command("demo.busy", Hold, {"amount": 3}, CAR)
    assert caught.value.headers == {"Retry-After": "7"}
    assert caught.value.detail == "hold 3 is being made"
    plain = handlers.handle(envelope("command", "demo.hold", {"amount": 0}))  # a 422 carries none
    assert "retry_after" not in plain
    not_busy = ToolResult(status="failed", error=NotFound("gone").problem(), retry_after=5)
    with pytest.raises(NotFound) as gone:
        outcome(not_busy, "x")
    assert gone.value.headers == {}  # only a 409 keeps a Retry-After
