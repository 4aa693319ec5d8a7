"""MCP 2026-07-28 `requestState`: what the gateway needs between the rounds of one tool call, sealed.

The state crosses the client, so it is attacker-controlled input (the spec's words). It is sealed with
AES-256-GCM under a key derived from the gateway's secret: nobody else can read it (it carries the
confirmation token and the idempotency key) or make one. It is bound to the vehicle, the tool and a digest
of the exact arguments, and expires with the confirmation (5 minutes). Single use is not the state's job:
the confirmation token inside is consumed by one conditional delete, and the idempotency key inside is
claimed by one conditional put, so a second round with the same state answers the first outcome instead
of acting again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from cockpit.idempotency import fingerprint

PREFIX = "cs1."
AAD = b"cockpit-gateway/mcp/request-state/v1"
TTL_S = 300
MAX_CHARS = 4096


class StateRefused(Exception):
    """The state cannot be used for this request (forged, altered, expired, someone else's, another call)."""


@dataclass(frozen=True)
class CallState:
    sub: str  # the vehicle the state was issued to
    tool: str
    args: str  # digest of the exact arguments
    exp: int  # epoch seconds
    key: str  # the server-minted idempotency key of the call
    token: str | None = None  # the confirmation token, when the driver is asked
    summary: str | None = None  # the question, to ask again when the answer is missing


def arguments_digest(tool: str, arguments: dict[str, Any]) -> str:
    return fingerprint({"tool": tool, "arguments": arguments})


class StateSealer:
    def __init__(self, secret: Callable[[], bytes], clock: Callable[[], float] | None = None) -> None:
        self._secret = secret
        self._clock = clock or (lambda: time.time())  # looked up per call, so tests can move time

    def _aead(self) -> Any:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # first MCP round only

        # A key of its own, derived from the gateway's secret (HMAC-SHA256 as a KDF, RFC 5869's extract).
        return AESGCM(hmac.new(self._secret(), AAD, hashlib.sha256).digest())

    def issue(self, sub: str, tool: str, arguments: dict[str, Any], key: str, **extra: Any) -> CallState:
        exp = int(self._clock()) + TTL_S
        return CallState(
            sub=sub, tool=tool, args=arguments_digest(tool, arguments), exp=exp, key=key, **extra
        )

    def seal(self, state: CallState) -> str:
        nonce = os.urandom(12)
        plain = json.dumps(asdict(state), separators=(",", ":")).encode()
        sealed = nonce + self._aead().encrypt(nonce, plain, AAD)
        return PREFIX + base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, text: str, sub: str, tool: str, arguments: dict[str, Any]) -> CallState:
        """The state, if this gateway sealed it for this vehicle, tool and arguments and it is still valid."""
        state = self._unseal(text)
        if not hmac.compare_digest(state.sub, sub):
            raise StateRefused("requestState was not issued to this caller")
        if state.tool != tool or not hmac.compare_digest(state.args, arguments_digest(tool, arguments)):
            raise StateRefused("requestState was issued for another tool or other arguments")
        if state.exp <= self._clock():
            raise StateRefused("requestState has expired: call the tool again without it to be asked again")
        return state

    def _unseal(self, text: str) -> CallState:
        from cryptography.exceptions import InvalidTag

        forged = StateRefused("requestState was not issued by this gateway or was altered")
        if not text.startswith(PREFIX) or len(text) > MAX_CHARS:
            raise forged
        try:
            body = text[len(PREFIX) :]
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plain = self._aead().decrypt(raw[:12], raw[12:], AAD) if len(raw) > 28 else b""
            return CallState(**json.loads(plain))
        except (InvalidTag, binascii.Error, ValueError, TypeError):
            raise forged from None
