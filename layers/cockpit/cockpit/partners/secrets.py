"""Partner secrets from Secrets Manager by ARN, cached per container for a few minutes (rotation)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, Protocol

from botocore.exceptions import ClientError

from cockpit import aws
from cockpit.errors import ConfigurationError


class SecretFields(Protocol):
    def field(self, arn: str, name: str) -> str:
        """One string field of the JSON secret at `arn` (ConfigurationError when missing)."""
        ...


class SecretsManagerReader:
    """`read(arn)` → the secret's JSON object; a missing or malformed secret is a gateway misconfiguration
    (its ARN is named, its value never)."""

    def __init__(self, *, ttl_s: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_s
        self._clock = clock
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}

    def read(self, arn: str) -> dict[str, Any]:
        now = self._clock()
        found = self._cache.get(arn)
        if found is not None and now - found[0] < self._ttl:
            return found[1]
        try:
            text = aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
            value = json.loads(text)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise ConfigurationError(f"the partner secret {arn} cannot be read ({code})") from None
        except (ValueError, KeyError):
            raise ConfigurationError(f"the partner secret {arn} is not a JSON object") from None
        if not isinstance(value, dict):
            raise ConfigurationError(f"the partner secret {arn} is not a JSON object")
        self._cache[arn] = (now, value)
        return value

    def field(self, arn: str, name: str) -> str:
        value = self.read(arn).get(name)
        if not isinstance(value, str) or not value:
            raise ConfigurationError(f"the partner secret {arn} has no {name!r}")
        return value

    def forget(self, arn: str) -> None:
        self._cache.pop(arn, None)
