"""Demo data for `cockpit run`: other drivers already charging at some of the sandbox's charge points.

The local runtime calls `run()` once after creating the tables (never in a deployed stack). The
choice is deterministic, and the demo stations next to People's Square and Marienplatz stay free.
"""

from __future__ import annotations

import hashlib

from charging import sandbox_data
from charging.settings import ChargingSettings
from charging.store import DynamoEvseStates
from cockpit.settings import get_settings

KEEP_FREE = frozenset({"CN-SHA-0001", "DE-MUC-0001"})
BUSY_PERCENT = 12


def busy_evses() -> list[str]:
    """About BUSY_PERCENT% of the EVSEs, chosen by hash so every run picks the same ones."""
    return [
        evse.uid
        for loc in sandbox_data.locations()
        if loc.id not in KEEP_FREE
        for evse in loc.evses
        if int(hashlib.sha256(evse.uid.encode()).hexdigest(), 16) % 100 < BUSY_PERCENT
    ]


def run() -> int:
    settings = get_settings(ChargingSettings)
    if settings.provider != "sandbox":
        return 0
    states = DynamoEvseStates(settings.table)
    return sum(states.occupy(uid, f"sim-{uid}") for uid in busy_evses())
