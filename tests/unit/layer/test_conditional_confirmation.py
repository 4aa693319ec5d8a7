"""Confirmation that depends on the arguments: the catalog marks the tool, the domain's preview may answer
that these arguments need no yes (a free booking), and then the call is performed at once, once."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from cockpit.dispatch.core import Dispatcher, ToolCall
from cockpit.errors import ConfirmationInvalid
from cockpit.tools.catalog import first_party
from cockpit.tools.handlers import ToolHandlers
from cockpit.tools.model import Caller, Role, ToolInvocation, ToolResult
from tests.support.stores import FakeConfirmations, FakeIdempotency, FakeTarget

CAR = Caller(sub="vin-1", role=Role.VEHICLE)
SLOT = {"slot_id": "SHA-R01.20261201T1900"}
NO_YES_NEEDED = ToolResult(status="succeeded", result={"confirmation_required": False})
RESERVATION = {
    "id": "rs_" + "a" * 24,
    "status": "confirmed",
    "slot_id": SLOT["slot_id"],
    "venue": {"id": "SHA-R01", "name": "Jade Kitchen", "kind": "restaurant", "address": "1 Nanjing Rd",
              "location": {"lat": 31.23, "lon": 121.47}},
    "start": "2026-12-01T19:00:00+08:00",
    "end": "2026-12-01T20:30:00+08:00",
    "party_size": 2,
    "nights": 1,
    "price": {"amount": 0, "currency": "CNY"},
    "requires_prepayment": False,
    "payment": {"status": "not_required"},
    "created_at": "2026-11-30T12:00:00Z",
}  # fmt: skip
BOOKED = ToolResult(status="succeeded", result={"reservation": RESERVATION})


def booking(key: str = "k1", **kw: Any) -> ToolCall:
    return ToolCall(tool="booking_create_reservation", arguments=SLOT, caller=CAR, idempotency_key=key, **kw)


@pytest.fixture
def parts() -> tuple[Dispatcher, FakeTarget, FakeIdempotency, FakeConfirmations]:
    target, idem, confirmations = FakeTarget(), FakeIdempotency(), FakeConfirmations()
    return Dispatcher(first_party(), target, idem, confirmations), target, idem, confirmations


def test_the_catalog_marks_the_booking_tool_as_confirmable() -> None:
    tool = first_party().get("booking_create_reservation")
    assert tool is not None and tool.requires_confirmation


def test_a_preview_that_needs_no_yes_is_performed_at_once(parts: Any) -> None:
    dispatcher, target, idem, confirmations = parts
    target.answers = [NO_YES_NEEDED, BOOKED]
    out = dispatcher.invoke(booking())
    assert out.status == "succeeded" and out.result == {"reservation": RESERVATION}
    preview, execute = target.seen
    assert (preview.phase, execute.phase, execute.confirmed) == ("preview", "execute", False)
    assert confirmations.issued == {}  # no token was issued
    assert idem.records[("vin-1", "k1")]["state"] == "COMPLETED"


def test_the_same_key_again_replays_the_first_answer_without_a_second_execution(parts: Any) -> None:
    dispatcher, target, _idem, _c = parts
    target.answers = [NO_YES_NEEDED, BOOKED, NO_YES_NEEDED]
    first = dispatcher.invoke(booking())
    again = dispatcher.invoke(booking())
    assert again == first
    # The key is claimed before the question: the retry never previews the slot it has just taken.
    assert [s.phase for s in target.seen] == ["preview", "execute"]


def test_a_preview_with_a_summary_still_asks(parts: Any) -> None:
    dispatcher, target, _idem, confirmations = parts
    target.answers = [ToolResult(status="succeeded", result={"summary": "Prepay ¥63?"})]
    out = dispatcher.invoke(booking())
    assert out.status == "confirmation_required" and out.confirmation is not None
    assert out.confirmation.summary == "Prepay ¥63?" and len(confirmations.issued) == 1
    assert [s.phase for s in target.seen] == ["preview"]


def test_a_token_sent_for_a_call_that_needed_none_is_refused(parts: Any) -> None:
    dispatcher, target, _idem, _c = parts
    with pytest.raises(ConfirmationInvalid):
        dispatcher.invoke(booking(confirmation_token="ct_made_up"))
    assert target.seen == []


# -- the domain side: the preview decides, and decides again as the second line -----------------------


class Args(BaseModel):
    model_config = {"extra": "forbid"}
    amount: int


class Out(BaseModel):
    booked: int


tools = ToolHandlers()


@tools.tool("demo_book", Args, preview=lambda _inv, a: f"Prepay {a.amount}?" if a.amount else None)
def book(_inv: ToolInvocation, args: Args) -> Out:
    return Out(booked=args.amount)


def event(amount: int, **kw: Any) -> dict[str, Any]:
    inv = ToolInvocation(invocation_id="i1", tool="demo_book", arguments={"amount": amount}, caller=CAR, **kw)
    return inv.model_dump(mode="json")


def test_the_domain_preview_answers_no_confirmation_needed() -> None:
    assert tools.handle(event(0, phase="preview"))["result"] == {"confirmation_required": False}
    assert tools.handle(event(5, phase="preview"))["result"] == {"summary": "Prepay 5?"}


def test_unconfirmed_execution_passes_only_when_the_preview_needs_no_yes() -> None:
    assert tools.handle(event(0))["result"] == {"booked": 0}
    refused = tools.handle(event(5))
    assert refused["status"] == "failed" and refused["error"]["status"] == 403
    assert tools.handle(event(5, confirmed=True))["result"] == {"booked": 5}


def test_prepare_asks_but_never_performs(parts: Any) -> None:
    dispatcher, target, idem, confirmations = parts
    target.answers = [ToolResult(status="succeeded", result={"summary": "Prepay ¥63?"})]
    asked = dispatcher.prepare(booking())
    assert asked is not None and asked.summary == "Prepay ¥63?" and len(confirmations.issued) == 1
    target.answers = [NO_YES_NEEDED]
    assert dispatcher.prepare(booking("k2")) is None  # a free booking: no question, and still nothing done
    assert [s.phase for s in target.seen] == ["preview", "preview"] and idem.records == {}


def test_a_declined_confirmation_can_never_be_used(parts: Any) -> None:
    dispatcher, target, _idem, confirmations = parts
    target.answers = [ToolResult(status="succeeded", result={"summary": "Prepay ¥63?"})]
    asked = dispatcher.prepare(booking())
    assert asked is not None
    dispatcher.decline(booking(confirmation_token=asked.token))
    dispatcher.decline(booking(confirmation_token=asked.token))  # declining twice is declining
    assert confirmations.issued == {}
    with pytest.raises(ConfirmationInvalid):
        dispatcher.invoke(booking(confirmation_token=asked.token))
    assert [s.phase for s in target.seen] == ["preview"]
