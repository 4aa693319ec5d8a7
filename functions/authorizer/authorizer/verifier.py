"""RS256 JWT verification: signature against a JWKS, iss, aud, exp/nbf with small leeway.

`alg` is pinned to RS256, so `none` and HS* tokens (including the classic trick of an HS256 token
"signed" with the RSA public key) are refused before any key is used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKSet

from cockpit.clock import TOKEN_LEEWAY_SECONDS
from cockpit.observability import logger
from cockpit.tools.model import Caller

ALGORITHM = "RS256"
LEEWAY_SECONDS = TOKEN_LEEWAY_SECONDS
JWKS_TIMEOUT_S = 3  # well inside the authorizer's own timeout
REQUIRED_CLAIMS = ["sub", "role", "iss", "aud", "exp"]


class InvalidToken(Exception):
    """The token is missing, malformed, badly signed, expired or not for us. The message is safe to log."""


@dataclass(frozen=True)
class Verifier:
    issuer: str
    audience: str
    jwks: PyJWKSet | None = None
    jwks_client: PyJWKClient | None = None

    @classmethod
    def from_jwks(cls, *, issuer: str, audience: str, jwks_json: str = "", jwks_url: str = "") -> Verifier:
        """Raises ValueError naming the template parameter (and its variable) when the keys cannot work:
        the first call fails saying which value to fix, instead of every token being refused."""
        if jwks_json:
            return cls(issuer, audience, jwks=key_set(jwks_json))
        if jwks_url:
            if not jwks_url.startswith("https://"):
                raise ValueError("JwksUrl (JWKS_URL) must be https")
            client = PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=JWKS_TIMEOUT_S)
            return cls(issuer, audience, jwks_client=client)
        raise ValueError("set the JwksJson or JwksUrl parameter (JWKS_JSON or JWKS_URL)")

    def _key(self, token: str, header: dict[str, Any]) -> PyJWK:
        kid = header.get("kid")
        if self.jwks_client is not None:
            try:
                return self.jwks_client.get_signing_key_from_jwt(token)
            except (jwt.PyJWKClientError, jwt.PyJWKSetError) as exc:
                if "matches" not in str(exc):  # not this token's kid: the key set itself cannot be read
                    logger().error(
                        "JwksUrl (JWKS_URL) gives no usable keys: every token is refused",
                        extra={"why": type(exc).__name__, "detail": str(exc)[:200]},
                    )
                raise
        assert self.jwks is not None
        keys = [
            k
            for k in self.jwks.keys
            if k.key_type == "RSA" and k.algorithm_name == ALGORITHM and (kid is None or k.key_id == kid)
        ]
        if not keys:
            raise InvalidToken("no key with this kid")
        return keys[0]

    def verify(self, authorization: str | None) -> Caller:
        return self.verify_until(authorization)[0]

    def verify_until(self, authorization: str | None) -> tuple[Caller, int]:
        """The caller and the token's `exp` (what a cached authorization must not outlive)."""
        token = bearer(authorization)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("malformed token") from None
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(f"alg {header.get('alg')!r} not accepted")
        try:
            key = self._key(token, header)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"{type(exc).__name__}") from None
        try:
            caller = Caller.model_validate({"sub": claims["sub"], "role": claims["role"]})
            return caller, int(claims["exp"])
        except (ValueError, TypeError):
            raise InvalidToken("sub or role claim not acceptable") from None


def key_set(jwks_json: str) -> PyJWKSet:
    """The inline JWKS, which must hold at least one RSA key usable for RS256."""
    try:
        keys = PyJWKSet.from_dict(json.loads(jwks_json))
    except (ValueError, AttributeError, jwt.PyJWTError) as exc:  # not JSON, not an object, no usable key
        raise ValueError(f"JwksJson (JWKS_JSON) is not a JWKS with a usable key: {exc}") from None
    if not any(k.key_type == "RSA" and k.algorithm_name == ALGORITHM for k in keys.keys):
        raise ValueError(f"JwksJson (JWKS_JSON) has no RSA key for {ALGORITHM}: no token could be verified")
    return keys


def bearer(authorization: str | None) -> str:
    if not authorization:
        raise InvalidToken("no Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Authorization is not a Bearer token")
    return token.strip()
