"""The booking service's own rules, before any store is touched: time windows, party sizes, service
needs, reservation ids. The provider here is the real venue data set; the reservations are an in-memory
fake that each rule leaves empty (a refused request writes nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from booking import sandbox_data as data
from booking.models import CreateArgs, SearchArgs
from booking.ports import Kind, Slot, Venue
from booking.sandbox import _slot
from booking.service import BookingService, reservation_id
from cockpit.errors import Conflict, NotFound, ValidationFailed
from cockpit.tools.model import Caller, Role, ToolInvocation
from cockpit.vehicle import Point, ServiceNeeds, VehicleContext
from tests.support.fakes import InMemoryReservations

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
HERE = Point(lat=31.2304, lon=121.4737)


class CodeOnlyProvider:
    """Venues and slot terms from the data set; any capacity read fails the test."""

    def venues(self, kind: Kind) -> tuple[Venue, ...]:
        return data.by_kind(kind)

    def venue(self, venue_id: str) -> Venue | None:
        return data.venues().get(venue_id)

    def slot(self, slot_id: str, *, with_remaining: bool = True) -> Slot | None:
        assert not with_remaining, "the rules need no capacity"
        spec = data.spec(slot_id)
        return None if spec is None else _slot(spec, data.venues()[spec.venue_id], None)

    def slots(self, venues: Any, start: datetime, end: datetime) -> list[Slot]:
        self.asked = (list(venues), start, end)
        return []

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"{name} must not be called")


@pytest.fixture
def reservations() -> Iterator[InMemoryReservations]:
    store = InMemoryReservations()
    yield store
    assert store.items == {}  # no rule here reaches the point of writing a reservation


@pytest.fixture
def service(reservations: InMemoryReservations) -> BookingService:
    return BookingService(CodeOnlyProvider(), reservations=reservations, clock=lambda: NOW)


def inv(vehicle: VehicleContext | None = None, key: str | None = "k1", sub: str = "vin-1") -> ToolInvocation:
    car = Caller(sub=sub, role=Role.VEHICLE)
    return ToolInvocation(
        invocation_id="i", tool="t", arguments={}, caller=car, idempotency_key=key, vehicle=vehicle
    )


def search(service: BookingService, vehicle: VehicleContext | None = None, **args: Any) -> Any:
    return service.search(inv(vehicle), SearchArgs.model_validate(args))


def pointer(exc: pytest.ExceptionInfo[ValidationFailed]) -> str | None:
    assert exc.value.errors
    return exc.value.errors[0].pointer


def test_window_defaults_and_clamping(service: BookingService) -> None:
    search(service, kind="restaurant", location=HERE.model_dump())
    _venues, start, end = service.provider.asked  # type: ignore[attr-defined]
    assert (start, end) == (NOW, NOW + timedelta(hours=24))
    search(service, kind="hotel", location=HERE.model_dump())
    assert service.provider.asked[2] == NOW + timedelta(days=3)  # type: ignore[attr-defined]
    past_start = (NOW - timedelta(hours=3)).isoformat()
    search(service, kind="parking", location=HERE.model_dump(), start=past_start)
    assert service.provider.asked[1] == NOW  # a window that began earlier starts now  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("start", "end", "where", "why"),
    [
        (timedelta(hours=5), timedelta(hours=4), "/arguments/end", "ends before it starts"),
        (timedelta(hours=-5), timedelta(hours=-4), "/arguments/end", "lies in the past"),
        (None, timedelta(hours=-1), "/arguments/end", "lies in the past"),
        (timedelta(0), timedelta(days=8), "/arguments/end", "longer than 7 days"),
        (timedelta(days=20), timedelta(days=21), "/arguments/start", "14 days ahead"),
    ],
)
def test_bad_windows(service: BookingService, start: Any, end: Any, where: str, why: str) -> None:
    args: dict[str, Any] = {
        "kind": "restaurant",
        "location": HERE.model_dump(),
        "end": (NOW + end).isoformat(),
    }
    if start is not None:
        args["start"] = (NOW + start).isoformat()
    with pytest.raises(ValidationFailed) as exc:
        search(service, **args)
    assert pointer(exc) == where and why in exc.value.detail


def test_the_cars_location_and_needs_stand_in_for_missing_arguments(service: BookingService) -> None:
    car = VehicleContext(location=HERE, service=ServiceNeeds(due=("tyres",), fault_codes=("P0A80",)))
    out = search(service, car, kind="service_appointment")
    assert out.service_items == ["tyres", "diagnostics", "hv_battery"]
    venues = service.provider.asked[0]  # type: ignore[attr-defined]
    assert venues and all({"tyres", "hv_battery"} <= set(v.services) for v in venues)
    assert all(v.city == "Shanghai" for v in venues)


def test_missing_place_or_needs_name_what_is_missing(service: BookingService) -> None:
    with pytest.raises(ValidationFailed) as exc:
        search(service, kind="parking")
    assert pointer(exc) == "/arguments/location"
    with pytest.raises(ValidationFailed) as exc:
        search(service, VehicleContext(location=HERE), kind="service_appointment")
    assert (
        pointer(exc) == "/arguments/service_items" and "service due items or fault codes" in exc.value.detail
    )


def test_party_size_matters_for_tables_and_rooms_only(service: BookingService) -> None:
    search(service, kind="parking", location=HERE.model_dump(), party_size=7)
    assert service.provider.asked[0]  # type: ignore[attr-defined]
    with pytest.raises(ValidationFailed) as exc:
        search(service, kind="hotel", venue_id="SHA-H01", party_size=9)
    assert pointer(exc) == "/arguments/party_size"
    with pytest.raises(NotFound):
        search(service, kind="hotel", venue_id="SHA-R01")


def test_create_checks_before_anything_is_written(service: BookingService) -> None:
    day = (NOW + timedelta(days=1)).date()
    hotel = next(
        s for v in data.by_kind(Kind.HOTEL) for s in data.day_schedule(v, day) if s.requires_prepayment
    )
    with pytest.raises(ValidationFailed) as exc:
        service.create(inv(), CreateArgs(slot_id=hotel.id))
    assert pointer(exc) == "/arguments/payment_method_id"
    gone = data.day_schedule(data.venues()["SHA-P01"], (NOW - timedelta(days=1)).date())[0]
    with pytest.raises(Conflict, match="already started"):
        service.create(inv(), CreateArgs(slot_id=gone.id))
    with pytest.raises(NotFound):
        service.create(inv(), CreateArgs(slot_id="SHA-P01.20261202T0800"))  # parking starts at odd hours


def test_the_question_is_asked_only_for_prepaid_or_fee_slots(service: BookingService) -> None:
    day = (NOW + timedelta(days=1)).date()
    free = data.day_schedule(data.venues()["SHA-R01"], day)[0]
    fee = data.day_schedule(data.venues()["SHA-R02"], day)[0]
    assert service.describe_create(inv(), CreateArgs(slot_id=free.id)) is None
    question = service.describe_create(inv(), CreateArgs(slot_id=fee.id, party_size=2))
    assert question is not None and "costs ¥140.00" in question


def test_reservation_ids_come_from_caller_and_key() -> None:
    assert reservation_id(inv(key="a")) == reservation_id(inv(key="a"))
    assert reservation_id(inv(key="a")) != reservation_id(inv(key="b"))
    assert reservation_id(inv(key="a")) != reservation_id(inv(key="a", sub="vin-2"))
    assert reservation_id(inv(key=None)) != reservation_id(inv(key=None))
