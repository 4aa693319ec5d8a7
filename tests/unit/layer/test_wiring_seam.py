"""A function's service is built once per container by its own `build`, on first use; tests hand it parts
through `override`, which the next container (a test's reset, a SnapStart restore) forgets."""

from __future__ import annotations

import pytest

from cockpit import snapstart
from cockpit.settings import once_per_container, reset_container
from payments import wiring
from payments.sandbox import SandboxProcessor
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
