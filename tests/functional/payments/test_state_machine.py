"""The payment state machine, whoever asks: every transition the table does not allow is refused, and a
writer holding a stale copy is refused by the conditional write even where the transition is allowed."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import product

import pytest

from cockpit.errors import PaymentStateConflict
from cockpit.money import Money
from cockpit_dev.template import Template
from payments.models import TRANSITIONS, Payment, PaymentStatus
from payments.sandbox import SANDBOX_METHODS, SandboxMethods, SandboxProcessor
from payments.service import Deltas, PaymentsService
from payments.settings import CurrencyLimits
from payments.store import PaymentStore
from tests.support.aws import snapshot

STORED = [s for s in PaymentStatus if s is not PaymentStatus.REQUIRES_CONFIRMATION]


def service(gateway: Template) -> PaymentsService:
    store = PaymentStore(gateway.tables["PaymentsTable"].name)
    limits = {"CNY": CurrencyLimits(per_payment=100_000, per_day=100_000)}
    return PaymentsService(SandboxProcessor(), SandboxMethods(), store, limits)


def stored(svc: PaymentsService, status: PaymentStatus, n: int) -> Payment:
    now = datetime.now(UTC)
    p = Payment(
        id=f"pay_{n:024x}",
        owner="vin-sm",
        merchant="charging",
        purpose="test",
        method=SANDBOX_METHODS[0],
        capture="manual",
        amount=Money(amount=1000, currency="CNY"),
        status=status,
        version=1,
        processor="sandbox",
        created_at=now,
        updated_at=now,
    )
    assert svc.store.write([svc.store.new_payment(p)])
    return p


@pytest.mark.parametrize(
    ("old", "new"),
    [(a, b) for a, b in product(STORED, PaymentStatus) if b not in TRANSITIONS[a]],
    ids=lambda s: s.value,
)
def test_every_transition_the_table_does_not_allow_is_refused(
    gateway: Template, old: PaymentStatus, new: PaymentStatus
) -> None:
    svc = service(gateway)
    p = stored(svc, old, 1)
    before = snapshot(gateway)
    with pytest.raises(PaymentStateConflict):
        svc._transition(p, new, "forced", Deltas())
    assert snapshot(gateway) == before


def test_an_allowed_transition_from_a_stale_copy_is_refused(gateway: Template) -> None:
    svc = service(gateway)
    p = stored(svc, PaymentStatus.PROCESSING, 2)
    svc._transition(p, PaymentStatus.REQUIRES_CAPTURE, "authorized", Deltas(authorized=1000), authorized=1000)
    before = snapshot(gateway)
    with pytest.raises(PaymentStateConflict):  # a second writer, still holding the processing copy
        svc._transition(p, PaymentStatus.SUCCEEDED, "captured", Deltas(captured=1000), captured=1000)
    assert snapshot(gateway) == before
    fresh = svc.store.get(p.id)
    assert fresh is not None and fresh.status is PaymentStatus.REQUIRES_CAPTURE and fresh.version == 2
    assert [e.event for e in svc.store.trail(p.id)] == ["authorized"]
