"""The committed OpenAPI document, packaged with the layer (cockpit/openapi.json).

The router serves it at /v1/openapi.json. It is generated from every function's `Api` by the development
package (`cockpit openapi`, `make openapi`), never in a deployed function; a test fails when it drifts.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib import resources


@cache
def served() -> bytes:
    """The committed document, as packaged with the layer (read once per container)."""
    return resources.files("cockpit").joinpath("openapi.json").read_bytes()


@lru_cache(maxsize=8)
def served_at(base_url: str) -> bytes:
    """The document with `servers` set to where it was fetched from (the local runtime's own address in
    `cockpit run`, the stage URL behind API Gateway), so a reader's "try it" calls reach this gateway."""
    document = json.loads(served())
    document["servers"] = [{"url": base_url, "description": "this gateway (where this document was served)"}]
    return json.dumps(document, ensure_ascii=False, indent=2).encode()
