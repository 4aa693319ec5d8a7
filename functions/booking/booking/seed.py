"""Demo data for `cockpit run`: the sandbox's slot inventory for today and the next two days.

The local runtime calls `run()` once after creating the tables (never in a deployed stack). Days
after that are stocked on first use, so searches always find future slots however long it runs.
"""

from __future__ import annotations

from datetime import timedelta

from booking.ports import Kind
from booking.sandbox import SandboxProvider
from booking.settings import BookingSettings
from cockpit.clock import utcnow
from cockpit.settings import get_settings

DAYS = 3


def run() -> int:
    settings = get_settings(BookingSettings)
    sandbox = SandboxProvider(settings.table, horizon_days=settings.horizon_days)
    today = utcnow().date()
    # local days run from UTC-1 day (Munich late evening) to UTC+1 day (China after 16:00 UTC)
    days = [today + timedelta(days=i) for i in range(-1, DAYS)]
    return sum(sandbox.stock(kind, day) for kind in Kind for day in days)
