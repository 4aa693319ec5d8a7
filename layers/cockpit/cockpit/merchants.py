"""Who can be paid: the first-party domains and the partners the gateway knows, with their display names.

Partner merchants are listed here until the contracts registry carries a payee name per contract.
"""

from __future__ import annotations

from typing import NamedTuple


class Merchant(NamedTuple):
    id: str
    en: str
    zh: str

    def name(self, locale: str) -> str:
        return self.zh if locale == "zh-CN" else self.en


_ALL = (
    Merchant("charging", "Cockpit Charging", "座舱充电"),
    Merchant("booking", "Cockpit Booking", "座舱预订"),
    Merchant("shanghai_star_charging", "Shanghai Star Charging", "上海星星充电"),
    Merchant("bund_parking", "Bund Parking", "外滩停车"),
    Merchant("munich_city_parking", "Munich City Parking", "慕尼黑城市停车"),
)
MERCHANTS: dict[str, Merchant] = {m.id: m for m in _ALL}


def merchant(merchant_id: str) -> Merchant | None:
    return MERCHANTS.get(merchant_id)


def _names(m: Merchant) -> tuple[str, ...]:
    return ("".join(m.en.lower().split()), m.zh, m.id.replace("_", ""))


def find(spoken: str) -> Merchant | None:
    """The merchant a driver named, by its English or Chinese name or id, ignoring case and spacing."""
    said = "".join(spoken.lower().split()).replace("_", "")
    if not said:
        return None
    exact = [m for m in MERCHANTS.values() if said in _names(m)]
    if exact:
        return exact[0]
    near = [m for m in MERCHANTS.values() if len(said) >= 4 and any(said in n for n in _names(m)[:2])]
    return near[0] if len(near) == 1 else None


def mentioned(text: str) -> tuple[Merchant, str] | None:
    """A known merchant named anywhere in `text` (English or Chinese name), with the words that named it;
    the longest name wins ("Shanghai Star Charging", not "charging")."""
    lowered = text.lower()
    found: list[tuple[int, Merchant, str]] = []
    for m in MERCHANTS.values():
        for name in (m.en.lower(), m.zh):
            at = lowered.find(name)
            if at >= 0:
                found.append((len(name), m, text[at : at + len(name)]))
    if not found:
        return None
    _length, merchant_, words = max(found, key=lambda f: f[0])
    return merchant_, words
