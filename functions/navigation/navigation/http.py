"""One GET to a map provider's JSON API: timeouts are 504, anything else that goes wrong is 502.

Details name the provider and what failed, never the URL (it carries the API key) nor coordinates.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from cockpit import deadline
from cockpit.errors import UpstreamError, UpstreamTimeout

# httpx logs every request's full URL at INFO; AMap's key travels in the query string.
logging.getLogger("httpx").setLevel(logging.WARNING)


def get_json(
    client: httpx.Client, url: str, params: Mapping[str, str], *, timeout_s: float, what: str
) -> Any:
    timeout_s = deadline.budget(timeout_s, what)
    try:
        response = client.get(url, params=params, timeout=timeout_s)
    except httpx.TimeoutException:
        raise UpstreamTimeout(f"{what}: no answer within {timeout_s:g} s") from None
    except httpx.HTTPError as exc:
        raise UpstreamError(f"{what}: could not reach the provider ({type(exc).__name__})") from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 500 or (response.status_code >= 400 and not isinstance(body, dict)):
        raise UpstreamError(f"{what}: answered HTTP {response.status_code}")
    if not isinstance(body, dict):
        raise UpstreamError(f"{what}: answered a body that is not a JSON object")
    return body
