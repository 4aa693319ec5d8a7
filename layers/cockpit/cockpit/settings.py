"""Settings: pydantic models read from the environment on first use, then cached.

Each field's alias is the environment variable it comes from. Required settings have no default,
so a missing variable fails loudly (ConfigurationError) instead of silently using a guess.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from cockpit.errors import ConfigurationError

S = TypeVar("S", bound="EnvSettings")
F = TypeVar("F", bound=Callable[..., Any])

_cache: dict[type[Any], Any] = {}
_per_container: list[Any] = []


class EnvSettings(BaseModel):
    """Base for settings models: field alias = environment variable name."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=False)

    @classmethod
    def env_names(cls) -> dict[str, bool]:
        """Environment variables this model reads, mapped to whether each is required."""
        return {(f.alias or name): f.is_required() for name, f in cls.model_fields.items()}

    @classmethod
    def from_env(cls: type[S], environ: Mapping[str, str] | None = None) -> S:
        env = os.environ if environ is None else environ
        data = {name: env[name] for name in cls.env_names() if env.get(name, "") != ""}
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            raise ConfigurationError(f"{cls.__name__} is misconfigured: {problems}") from None


def get_settings(cls: type[S]) -> S:
    """The settings of `cls`, read from the environment once per container."""
    found = _cache.get(cls)
    if found is None:
        found = _cache[cls] = cls.from_env()
    return found


def per_container(fn: F) -> F:
    """Cache what `fn` builds (clients, services, secrets) for the life of the Lambda container."""
    cached = functools.cache(fn)
    _per_container.append(cached)
    return cached  # type: ignore[return-value]


def drop_per_container() -> None:
    """Forget everything built per container (clients, services), keeping the settings."""
    for cached in _per_container:
        cached.cache_clear()


def reset_container() -> None:
    """Forget cached settings and everything built from them: each test is a fresh container."""
    _cache.clear()
    drop_per_container()
