from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from charging import pricing, sandbox_data
from charging.ports import (
    CommandResponseType,
    CommandResultType,
    EvseStatus,
    Location,
    PowerType,
    StartCommand,
    StopCommand,
    TariffDimension,
)
from charging.sandbox import SandboxOperator
from cockpit.money import Money
from tests.support.fakes import InMemoryEvseStates

STARTED = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
# Anchors of the data set: CN-SHA-0001 has four AVAILABLE 120 kW GB/T DC EVSEs and a 7 kW AC one;
# CN-SHA-0002-E2 is CHARGING and CN-SHA-0003-E2 OUTOFORDER in the data set itself.
DC_120 = ("CN-SHA-0001", "CN-SHA-0001-E1", "1")
AC_7 = ("CN-SHA-0001", "CN-SHA-0001-E5", "1")


@pytest.fixture
def states() -> InMemoryEvseStates:
    return InMemoryEvseStates()


@pytest.fixture
def operator(states: InMemoryEvseStates) -> SandboxOperator:
    return SandboxOperator(states, clock=lambda: STARTED)


def start(target: tuple[str, str, str], session_id: str = "s-1") -> StartCommand:
    location_id, evse_uid, connector_id = target
    return StartCommand(
        session_id=session_id,
        location_id=location_id,
        evse_uid=evse_uid,
        connector_id=connector_id,
        response_url="https://gateway.test/v1/ocpi/commands/s-1",
        token_uid="tok-1",
    )


def stop(target: tuple[str, str, str], session_id: str = "s-1") -> StopCommand:
    location_id, evse_uid, connector_id = target
    return StopCommand(
        session_id=session_id,
        location_id=location_id,
        evse_uid=evse_uid,
        connector_id=connector_id,
        started_at=STARTED,
        response_url="https://gateway.test/v1/ocpi/commands/s-1",
    )


def status_of(location: Location | None, evse_uid: str) -> EvseStatus:
    assert location is not None
    return next(evse.status for evse in location.evses if evse.uid == evse_uid)


def at(offset: timedelta, states: InMemoryEvseStates) -> SandboxOperator:
    return SandboxOperator(states, clock=lambda: STARTED + offset)


def test_locations_are_the_data_set_with_one_overrides_read(
    operator: SandboxOperator, states: InMemoryEvseStates
) -> None:
    assert operator.locations() == sandbox_data.locations()
    assert states.overrides_calls == 1


def test_start_occupies_the_evse_and_the_overlay_shows_it(
    operator: SandboxOperator, states: InMemoryEvseStates
) -> None:
    response = operator.start_session(start(DC_120))

    assert response.result is CommandResponseType.ACCEPTED
    assert response.immediate_result is not None
    assert response.immediate_result.result is CommandResultType.ACCEPTED
    assert states.held == {"CN-SHA-0001-E1": "s-1"}
    listed = next(loc for loc in operator.locations() if loc.id == "CN-SHA-0001")
    assert status_of(listed, "CN-SHA-0001-E1") is EvseStatus.CHARGING
    assert status_of(listed, "CN-SHA-0001-E2") is EvseStatus.AVAILABLE
    assert status_of(operator.location("CN-SHA-0001"), "CN-SHA-0001-E1") is EvseStatus.CHARGING
    assert status_of(sandbox_data.location("CN-SHA-0001"), "CN-SHA-0001-E1") is EvseStatus.AVAILABLE


def test_a_taken_evse_answers_occupied_and_keeps_its_holder(
    operator: SandboxOperator, states: InMemoryEvseStates
) -> None:
    operator.start_session(start(DC_120, "s-1"))
    second = operator.start_session(start(DC_120, "s-2"))

    assert second.result is CommandResponseType.ACCEPTED
    assert second.immediate_result is not None
    assert second.immediate_result.result is CommandResultType.EVSE_OCCUPIED
    assert states.held == {"CN-SHA-0001-E1": "s-1"}


def test_concurrent_starts_on_one_evse_let_exactly_one_through(operator: SandboxOperator) -> None:
    results: list[CommandResultType] = []
    barrier = threading.Barrier(16)

    def race(n: int) -> None:
        barrier.wait()
        answer = operator.start_session(start(DC_120, f"s-{n}")).immediate_result
        assert answer is not None
        results.append(answer.result)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results.count(CommandResultType.ACCEPTED) == 1
    assert results.count(CommandResultType.EVSE_OCCUPIED) == 15


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (("CN-ZZZ-0001", "CN-ZZZ-0001-E1", "1"), "unknown location CN-ZZZ-0001"),
        (("CN-SHA-0001", "CN-SHA-0001-E99", "1"), "has no EVSE CN-SHA-0001-E99"),
        (("CN-SHA-0001", "CN-SHA-0001-E1", "9"), "has no connector 9"),
    ],
)
def test_unknown_targets_are_rejected(
    operator: SandboxOperator, states: InMemoryEvseStates, target: tuple[str, str, str], message: str
) -> None:
    response = operator.start_session(start(target))

    assert response.result is CommandResponseType.REJECTED
    assert response.message is not None
    assert message in response.message
    assert response.immediate_result is None
    assert states.held == {}


def test_an_out_of_order_evse_answers_inoperative(
    operator: SandboxOperator, states: InMemoryEvseStates
) -> None:
    response = operator.start_session(start(("CN-SHA-0003", "CN-SHA-0003-E2", "1")))

    assert response.result is CommandResponseType.ACCEPTED
    assert response.immediate_result is not None
    assert response.immediate_result.result is CommandResultType.EVSE_INOPERATIVE
    assert states.held == {}


def test_an_evse_busy_in_the_data_set_answers_occupied(
    operator: SandboxOperator, states: InMemoryEvseStates
) -> None:
    response = operator.start_session(start(("CN-SHA-0002", "CN-SHA-0002-E2", "1")))

    assert response.immediate_result is not None
    assert response.immediate_result.result is CommandResultType.EVSE_OCCUPIED
    assert states.held == {}


def test_stop_releases_once(operator: SandboxOperator, states: InMemoryEvseStates) -> None:
    operator.start_session(start(DC_120))

    first = operator.stop_session(stop(DC_120))
    second = operator.stop_session(stop(DC_120))

    assert first.result is CommandResponseType.ACCEPTED
    assert first.immediate_result is not None
    assert first.immediate_result.result is CommandResultType.ACCEPTED
    assert second.result is CommandResponseType.UNKNOWN_SESSION
    assert status_of(operator.location("CN-SHA-0001"), "CN-SHA-0001-E1") is EvseStatus.AVAILABLE
    assert operator.start_session(start(DC_120, "s-2")).immediate_result is not None
    assert states.held == {"CN-SHA-0001-E1": "s-2"}


def test_stop_by_another_session_leaves_the_holder(
    operator: SandboxOperator, states: InMemoryEvseStates
) -> None:
    operator.start_session(start(DC_120, "s-1"))

    response = operator.stop_session(stop(DC_120, "s-2"))

    assert response.result is CommandResponseType.UNKNOWN_SESSION
    assert response.message is not None
    assert "s-2" in response.message
    assert states.held == {"CN-SHA-0001-E1": "s-1"}


def test_usage_follows_power_curve_and_tariff(states: InMemoryEvseStates) -> None:
    usage = at(timedelta(minutes=30), states).usage(stop(DC_120))

    location = sandbox_data.location(DC_120[0])
    assert location is not None
    tariff = sandbox_data.tariff(location.evses[0].connectors[0].tariff_ids[0])
    assert tariff is not None
    energy = pricing.component(tariff, TariffDimension.ENERGY)
    assert energy is not None
    assert usage.kwh == Decimal("48.000")  # 120 kW x 0.8 curve x 0.5 h
    assert usage.cost == Money.from_major(energy.price * 48, "CNY")
    assert usage.ended_at == STARTED + timedelta(minutes=30)


def test_ac_charging_is_limited_by_the_car(states: InMemoryEvseStates) -> None:
    usage = at(timedelta(hours=2), states).usage(stop(AC_7))

    assert usage.kwh == Decimal("13.300")  # 7 kW x 0.95 x 2 h


def test_usage_is_capped_by_the_battery_and_idle_time_is_parking(states: InMemoryEvseStates) -> None:
    target = parked_dc_target()
    tariff = sandbox_data.tariff(target[3])
    assert tariff is not None

    usage = at(timedelta(hours=5), states).usage(stop(target[:3]))

    assert usage.kwh == Decimal("80.000")
    assert usage.cost is not None
    assert usage.cost.amount > pricing.cost(tariff, Decimal(80)).amount  # parking fee on top


def test_usage_is_deterministic_and_never_negative(states: InMemoryEvseStates) -> None:
    later = at(timedelta(minutes=42), states)

    assert later.usage(stop(DC_120)) == later.usage(stop(DC_120))
    assert at(timedelta(minutes=-5), states).usage(stop(DC_120)).kwh == 0
    unknown = later.usage(stop(("CN-ZZZ-0001", "CN-ZZZ-0001-E1", "1")))
    assert (unknown.kwh, unknown.cost) == (0, None)


def parked_dc_target() -> tuple[str, str, str, str]:
    """A DC connector whose tariff charges parking (location, EVSE, connector, tariff id)."""
    for loc in sandbox_data.locations():
        for evse in loc.evses:
            for c in evse.connectors:
                tariff = sandbox_data.tariff(c.tariff_ids[0])
                assert tariff is not None
                if c.power_type is PowerType.DC and pricing.parking_per_hour(tariff):
                    return loc.id, evse.uid, c.id, tariff.id
    raise AssertionError("the data set has no DC tariff with a parking fee")
