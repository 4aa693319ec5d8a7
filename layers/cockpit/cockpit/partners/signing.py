"""What a partner learns about the caller, and how it knows the request came from the gateway.

Pseudonym: `X-Cockpit-Subject: psn_` + the first 32 characters of
base64url(HMAC-SHA256(gateway key, partner_id + "\\n" + vehicle sub))
— stable for one vehicle at one partner, unlinkable across partners, never the vehicle's sub.

Signature (a partner verifies it; docs/operations.md has the recipe):

    canonical = "v1\\n" + METHOD + "\\n" + path_and_query + "\\n" + timestamp + "\\n" + hex(sha256(body))
    X-Cockpit-Timestamp: <unix seconds>
    X-Cockpit-Signature: v1=<hex(HMAC-SHA256(contract signing key, canonical))>

`path_and_query` is the request target exactly as sent (percent-encoded, query in the sent order).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_VERSION = "v1"


def pseudonym(gateway_key: bytes, partner_id: str, vehicle_sub: str) -> str:
    digest = hmac.new(gateway_key, f"{partner_id}\n{vehicle_sub}".encode(), hashlib.sha256).digest()
    return "psn_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:32]


def idempotency_key(gateway_key: bytes, partner_id: str, vehicle_sub: str, key: str) -> str:
    """The Idempotency-Key a partner sees: stable for one call retried, unlinkable to the car's own key."""
    message = f"idem\n{partner_id}\n{vehicle_sub}\n{key}".encode()
    return hmac.new(gateway_key, message, hashlib.sha256).hexdigest()[:40]


def canonical(method: str, target: str, timestamp: int, body: bytes) -> bytes:
    body_hash = hashlib.sha256(body).hexdigest()
    return f"{SIGNATURE_VERSION}\n{method.upper()}\n{target}\n{timestamp}\n{body_hash}".encode()


def signature(key: bytes, method: str, target: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(key, canonical(method, target, timestamp, body), hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={mac}"
