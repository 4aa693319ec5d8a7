"""JSON's own integer in request bodies, which are parsed strictly (`cockpit.api.Request.parse`).

JSON Schema's `integer` admits `5.0` (a number with no fraction) and refuses `false` and `"5"`; pydantic's
strict mode refuses all three, its lax mode admits all three. `JsonInt` is the schema's reading.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator


def _integral(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value  # anything else: the strict integer check decides


JsonInt = Annotated[int, BeforeValidator(_integral)]
