"""Settings: pydantic models read from the environment on first use, then cached.

Each field's alias is the environment variable it comes from. Required settings have no default,
so a missing variable fails loudly (ConfigurationError) instead of silently using a guess.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from cockpit.errors import ConfigurationError

S = TypeVar("S", bound="EnvSettings")
F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

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


class Built(Generic[T]):
    """What a function builds once per container from its settings (its service), built on first use.

    `override(make)` is the one seam tests use: this container builds the service with `make` instead,
    typically the function's own `build(settings, **overrides)` with fakes, rather than tests patching
    modules. The override is forgotten with the container (`reset_container`, a SnapStart restore).
    """

    def __init__(self, make: Callable[[], T]) -> None:
        functools.update_wrapper(self, make)
        self._default = self._make = make
        self._value: T | None = None
        self._lock = threading.Lock()

    def __call__(self) -> T:
        value = self._value
        if value is None:
            with self._lock:  # the local runtime may call one container from several threads
                value = self._value
                if value is None:
                    value = self._value = self._make()
        return value

    def override(self, make: Callable[[], T]) -> None:
        """Build with `make` in this container (on first use, as the default would)."""
        with self._lock:
            self._make, self._value = make, None

    def cache_clear(self) -> None:
        with self._lock:
            self._make, self._value = self._default, None


def once_per_container(make: Callable[[], T]) -> Built[T]:
    """`per_container` for a zero-argument builder (a function's service), with `override` for tests."""
    built = Built(make)
    _per_container.append(built)
    return built


def drop_per_container() -> None:
    """Forget everything built per container (clients, services), keeping the settings."""
    for cached in _per_container:
        cached.cache_clear()


def reset_container() -> None:
    """Forget cached settings and everything built from them: each test is a fresh container."""
    _cache.clear()
    drop_per_container()
