"""Builds the booking service from settings, once per container."""

from __future__ import annotations

from datetime import timedelta

from booking.ports import BookingProvider
from booking.sandbox import SandboxProvider
from booking.service import BookingService
from booking.settings import BookingSettings
from booking.store import ReservationStore
from cockpit.payments_client import PaymentsClient
from cockpit.settings import get_settings, per_container


@per_container
def service() -> BookingService:
    s = get_settings(BookingSettings)
    return BookingService(
        provider(s),
        ReservationStore(s.table),
        horizon_days=s.horizon_days,
        payments=PaymentsClient(s.payments_function),
        stale_pending=timedelta(seconds=2 * s.write_lock_s),  # its maker cannot be running any more
    )


def provider(s: BookingSettings) -> BookingProvider:
    return SandboxProvider(
        s.table, horizon_days=s.horizon_days, max_holds_per_vehicle=s.max_holds_per_vehicle
    )
