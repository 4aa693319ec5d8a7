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
