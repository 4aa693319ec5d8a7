"""A car's service needs (due items, fault codes) as the service items a workshop can book.

Due items are matched by name and a few common synonyms. Fault codes are OBD-II DTCs (SAE J2012:
a letter for the system, four hex digits): every one needs diagnostics; codes of the hybrid/EV
propulsion range (P0A00-P0CFF) also need high-voltage battery work, chassis codes (C...) brakes.
"""

from __future__ import annotations

import re

from booking.sandbox_data import SERVICE_ITEMS

SYNONYMS = {
    "oil": "oil_change",
    "engine_oil": "oil_change",
    "oil_service": "oil_change",
    "brake_pads": "brakes",
    "brake_discs": "brakes",
    "brake_fluid": "brakes",
    "tires": "tyres",
    "tire_rotation": "tyres",
    "tyre_rotation": "tyres",
    "tire_change": "tyres",
    "12v_battery": "battery_12v",
    "ac": "air_conditioning",
    "a_c": "air_conditioning",
    "cabin_filter": "air_conditioning",
    "annual_inspection": "inspection",
    "service": "inspection",
    "maintenance": "inspection",
    "software": "software_update",
    "ota": "software_update",
    "wiper_blades": "wipers",
    "battery_check": "hv_battery",
    "traction_battery": "hv_battery",
}
DTC = re.compile(r"^[PCBU][0-9A-F]{4}$")
_KNOWN = frozenset(SERVICE_ITEMS)


def item(name: str) -> str | None:
    key = re.sub(r"[\s\-/]+", "_", name.strip().lower())
    key = SYNONYMS.get(key, key)
    return key if key in _KNOWN else None


def from_fault_code(code: str) -> list[str] | None:
    code = code.strip().upper()
    if not DTC.match(code):
        return None
    found = ["diagnostics"]
    if code[0] == "P" and code[1:3] in {"0A", "0B", "0C"}:
        found.append("hv_battery")
    elif code[0] == "C":
        found.append("brakes")
    return found


def resolve(due: list[str], fault_codes: list[str]) -> tuple[list[str], list[str]]:
    """(service items, the needs that name nothing we can book), each without duplicates."""
    items: list[str] = []
    unknown: list[str] = []
    for name in due:
        found = item(name)
        (items if found else unknown).append(found or name)
    for code in fault_codes:
        mapped = from_fault_code(code)
        if mapped is None:
            unknown.append(code)
        else:
            items.extend(mapped)
    return list(dict.fromkeys(items)), list(dict.fromkeys(unknown))
