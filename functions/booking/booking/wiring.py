"""Builds the booking service from settings, once per container; tests pass their parts to `build`."""

from __future__ import annotations

from datetime import timedelta

from booking.ports import BookingProvider, ReservationRecords
from booking.sandbox import SandboxProvider
from booking.service import BookingService
from booking.settings import BookingSettings
from booking.store import ReservationStore
from cockpit.payments_client import Payments, PaymentsClient
from cockpit.settings import get_settings, once_per_container


@once_per_container
def service() -> BookingService:
    return build(get_settings(BookingSettings))


def build(
    s: BookingSettings,
    *,
    provider: BookingProvider | None = None,
    reservations: ReservationRecords | None = None,
    payments: Payments | None = None,
) -> BookingService:
    """The booking service the settings describe; each override replaces the part it names (tests)."""
    return BookingService(
        provider or provider_for(s),
        reservations or ReservationStore(s.table),
        horizon_days=s.horizon_days,
        payments=payments or PaymentsClient(s.payments_function),
        stale_pending=timedelta(seconds=2 * s.write_lock_s),  # its maker cannot be running any more
    )


def provider_for(s: BookingSettings) -> BookingProvider:
    return SandboxProvider(
        s.table, horizon_days=s.horizon_days, max_holds_per_vehicle=s.max_holds_per_vehicle
    )
