"""`ToolInvocation.derived_id`: the one way an id comes from (caller, Idempotency-Key). Four copies
existed (navigation, booking, charging, payments); three fell back to a random id without a key, so a
retried internal call would have made a second record."""

from __future__ import annotations

import hashlib
import json

import pytest

from cockpit.errors import IdempotencyKeyRequired
from cockpit.tools.model import Caller, Role, ToolInvocation


def invocation(
    key: str | None, sub: str = "vin-1", tool: str = "booking_create_reservation"
) -> ToolInvocation:
    return ToolInvocation(
        invocation_id="i-1",
        tool=tool,
        arguments={},
        caller=Caller(sub=sub, role=Role.VEHICLE),
        idempotency_key=key,
    )


def test_the_same_call_again_finds_the_same_id() -> None:
    first, again = invocation("k-1"), invocation("k-1")
    assert first.derived_id("rs_") == again.derived_id("rs_")
    assert first.derived_id("rs_").startswith("rs_") and len(first.derived_id("rs_")) == 3 + 24


def test_another_key_or_another_caller_gets_another_id() -> None:
    ids = {
        invocation("k-1").derived_id("x_"),
        invocation("k-2").derived_id("x_"),
        invocation("k-1", "vin-2").derived_id("x_"),
    }
    assert len(ids) == 3


def test_the_ids_the_four_copies_made_are_kept() -> None:
    # records written before this change keep their ids: a retry across the deployment finds its own
    inv = invocation("k-1")
    digest = hashlib.sha256(json.dumps(["vin-1", "k-1"]).encode()).hexdigest()[:24]
    assert inv.derived_id("dst_") == f"dst_{digest}"  # navigation's destination
    assert inv.derived_id("rs_") == f"rs_{digest}"  # booking's reservation
    assert (inv.derived_id("cs_"), inv.derived_id("op_")) == (f"cs_{digest}", f"op_{digest}")  # charging
    payment = hashlib.sha256(json.dumps(["tool", "vin-1", "k-1"]).encode()).hexdigest()[:24]
    refund = hashlib.sha256(json.dumps(["refund", "vin-1", "k-1"]).encode()).hexdigest()[:24]
    assert inv.derived_id("pay_", "tool") == f"pay_{payment}"  # payments keep their scopes apart
    assert inv.derived_id("re_", "refund") == f"re_{refund}"


def test_a_scope_keeps_two_things_of_one_key_apart() -> None:
    inv = invocation("k-1")
    assert inv.derived_id("x_", "tool")[3:] != inv.derived_id("x_", "refund")[3:] != inv.derived_id("x_")[3:]


def test_no_key_is_refused_never_a_random_id() -> None:
    for missing in (None, ""):
        with pytest.raises(IdempotencyKeyRequired, match="booking_create_reservation") as refused:
            invocation(missing).derived_id("rs_")
        assert refused.value.status == 400


def test_a_key_cannot_be_confused_with_a_caller() -> None:
    # the parts are a JSON array, so ("a|b", "c") and ("a", "b|c") never share a seed
    assert invocation("b|c", sub="a").derived_id("x_") != invocation("c", sub="a|b").derived_id("x_")
