"""Tests hand a function its parts (fakes, scripted providers) through the function's own wiring:
`wire("payments", processor=Declining())` makes this test's container build the payments service with
`payments.wiring.build(settings, processor=Declining())` on first use, settings read from the environment
as in Lambda. Nothing is patched; the next test is a fresh container (tests/conftest.py)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cockpit.settings import EnvSettings, get_settings

# the function's package → its settings model and the accessor its handler calls
WIRED: dict[str, tuple[str, str]] = {
    "assistant": ("assistant.settings.AssistantSettings", "service"),
    "booking": ("booking.settings.BookingSettings", "service"),
    "charging": ("charging.settings.ChargingSettings", "service"),
    "navigation": ("navigation.settings.NavigationSettings", "service"),
    "payments": ("payments.settings.PaymentsSettings", "service"),
    "registry": ("registry.settings.ContractsSettings", "service"),
    "reconciler": ("reconciler.settings.ReconcilerSettings", "reconciler"),
    "authorizer": ("authorizer.settings.AuthorizerSettings", "verifier"),
    # the layer's dispatcher, shared by the router and the assistant (partner registry, first-party tools)
    "cockpit.dispatch": ("cockpit.dispatch.wiring.DispatchSettings", "dispatcher"),
}


@dataclass(frozen=True)
class FromSettings:
    """A part that needs the settings (a table name): built from them when the service is."""

    make: Callable[[Any], Any]


def wire(package: str, **parts: Any) -> None:
    """This container builds `package`'s service with `parts` (FromSettings ones made from the settings)."""
    settings_path, accessor = WIRED[package]
    module_name, _, class_name = settings_path.rpartition(".")
    settings_cls: type[EnvSettings] = getattr(importlib.import_module(module_name), class_name)
    wiring = importlib.import_module(f"{package}.wiring")

    def build() -> Any:
        s = get_settings(settings_cls)
        made = {name: p.make(s) if isinstance(p, FromSettings) else p for name, p in parts.items()}
        return wiring.build(s, **made)

    getattr(wiring, accessor).override(build)
