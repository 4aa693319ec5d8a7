"""The development signing key: generated on first use into a git-ignored folder, never committed.

`cockpit token` signs with it; `cockpit run` gives its public half (as a JWKS) to the authorizer.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEV_ISSUER = "https://auth.cockpit-gateway.dev"
DEV_AUDIENCE = "cockpit-gateway"
KEY_FILE = "dev-signing-key.pem"


def home() -> Path:
    """Where local state lives: $COCKPIT_HOME, else .cockpit/ in the working directory."""
    return Path(os.environ.get("COCKPIT_HOME") or Path.cwd() / ".cockpit")


def _private_key(folder: Path | None = None) -> rsa.RSAPrivateKey:
    folder = folder or home()
    path = folder / KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ".gitignore").write_text("*\n")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pem)
        tmp.chmod(0o600)
        os.replace(tmp, path)  # atomic: two first uses at once still agree on one key
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    return loaded


def key_id(key: rsa.RSAPrivateKey) -> str:
    numbers = key.public_key().public_numbers()
    return f"dev-{numbers.n % 10**12:012d}"


def jwks(folder: Path | None = None) -> dict[str, Any]:
    key = _private_key(folder)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": key_id(key), "use": "sig", "alg": "RS256"})
    return {"keys": [jwk]}


def sign(
    claims: dict[str, Any],
    *,
    folder: Path | None = None,
    headers: dict[str, Any] | None = None,
) -> str:
    key = _private_key(folder)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": key_id(key), **(headers or {})})


def token(
    role: str,
    sub: str,
    *,
    ttl: int = 3600,
    issuer: str = DEV_ISSUER,
    audience: str = DEV_AUDIENCE,
    folder: Path | None = None,
) -> str:
    now = int(time.time())
    claims = {
        "sub": sub,
        "role": role,
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    return sign(claims, folder=folder)
