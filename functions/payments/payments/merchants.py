"""Who can be paid: the directory lives in the layer (`cockpit.merchants`), so the assistant can turn a
merchant the driver names ("Shanghai Star Charging", "上海星星充电") into the id payments knows."""

from __future__ import annotations

from cockpit.merchants import MERCHANTS, Merchant, merchant

__all__ = ["MERCHANTS", "Merchant", "merchant"]
