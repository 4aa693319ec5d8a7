"""A function's service is built once per container by its own `build`, on first use; tests hand it parts
through `override`, which the next container (a test's reset, a SnapStart restore) forgets."""

from __future__ import annotations

import json

import pytest

from cockpit import snapstart
from cockpit.dispatch import wiring as dispatch_wiring
from cockpit.dispatch.targets import Targets
from cockpit.dispatch.wiring import DispatchSettings
from cockpit.partners.catalog import PartnerCatalog
from cockpit.ratelimit import DynamoRateLimiter
from cockpit.settings import once_per_container, reset_container
from payments import wiring
from payments.sandbox import SandboxProcessor
from tests.support.partners import FakePartnerToolSource
from tests.support.stores import FakeTarget
from tests.support.wiring import wire


def test_built_once_on_first_use_then_rebuilt_after_a_restore() -> None:
    made: list[object] = []

    @once_per_container
    def service() -> object:
        made.append(object())
        return made[-1]

    assert made == []  # nothing at import or decoration: SnapStart snapshots no client, no secret
    first = service()
    assert service() is first and len(made) == 1
    snapstart.after_restore()
    assert service() is not first and len(made) == 2


def test_an_override_builds_instead_until_the_container_is_reset() -> None:
    @once_per_container
    def service() -> str:
        return "from settings"

    assert service() == "from settings"
    service.override(lambda: "with fakes")
    assert service() == "with fakes"  # what was built before is dropped with the override
    reset_container()
    assert service() == "from settings"


def test_wire_builds_the_payments_service_with_the_given_processor(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "PAYMENTS_TABLE": "payments-table",
        "PAYMENTS_PROCESSOR": "sandbox",
        "PAYMENTS_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:000000000000:secret:payments",
        "PAYMENTS_LIMITS": '{"CNY": {"per_payment": 50000, "per_day": 100000}}',
    }.items():
        monkeypatch.setenv(name, value)
    processor = SandboxProcessor()
    wire("payments", processor=processor)
    built = wiring.service()
    assert built.processor is processor and built.store.table == "payments-table"  # type: ignore[attr-defined]
    assert wiring.service() is built
    reset_container()
    assert wiring.service().processor is not processor


RATE_KINDS = ("vehicle", "read", "write", "payment", "partner")
DISPATCH_ENV = {
    "IDEMPOTENCY_TABLE": "idempotency-table",
    "CHARGING_FUNCTION": "charging",
    "NAVIGATION_FUNCTION": "navigation",
    "BOOKING_FUNCTION": "booking",
    "PAYMENTS_FUNCTION": "payments",
    "PARTNER_SUBJECT_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:000000000000:secret:subject",
    "CONTRACTS_TABLE": "contracts-table",
    "OPERATIONS_TABLE": "operations-table",
    "RATE_LIMITS": json.dumps({k: {"per_minute": 60, "burst": 10} for k in RATE_KINDS}),
}


class Unlimited:
    def take(self, _caller: object, _tool: object) -> None:
        return None


def test_the_dispatcher_is_built_with_the_given_targets_and_limiter_else_its_own() -> None:
    """The bench measures the router's dispatcher as its wiring builds it, its targets and limiter given."""
    settings = DispatchSettings.from_env(DISPATCH_ENV)
    targets, limiter = FakeTarget(), Unlimited()
    given = dispatch_wiring.build(
        settings, partner_source=FakePartnerToolSource(), targets=targets, limiter=limiter
    )
    assert given.targets is targets and given.limiter is limiter
    assert isinstance(given.catalog, PartnerCatalog)  # the router's kind of catalog, as production builds it
    own = dispatch_wiring.build(settings, partner_source=FakePartnerToolSource())
    assert isinstance(own.targets, Targets)
    assert isinstance(own.limiter, DynamoRateLimiter) and own.limiter.table == "idempotency-table"
