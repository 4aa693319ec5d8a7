"""The scheduled reconciler (EventBridge): one run per event; the report is logged and returned."""

from __future__ import annotations

from typing import Any

from reconciler.wiring import reconciler


def lambda_handler(_event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return reconciler().run().model_dump(mode="json")
