"""The committed OpenAPI document, packaged with the layer (cockpit/openapi.json).

The router serves it at /v1/openapi.json. It is generated from every function's `Api` by the development
package (`cockpit openapi`, `make openapi`), never in a deployed function; a test fails when it drifts.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def served() -> bytes:
    """The committed document, as packaged with the layer (read once per container)."""
    return resources.files("cockpit").joinpath("openapi.json").read_bytes()
