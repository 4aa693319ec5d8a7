"""SnapStart restore hook: re-seeds `random`, drops per-container clients; registers only where the
runtime's snapshot_restore_py exists."""

from __future__ import annotations

import random
import sys
import types
from typing import Any

import pytest

from cockpit import aws, snapstart
from cockpit.settings import get_settings


def test_after_restore_reseeds_random() -> None:
    random.seed(1234)
    from_snapshot = [random.random() for _ in range(4)]
    random.seed(1234)  # every environment restored from one snapshot starts from the same state...
    snapstart.after_restore()
    assert [random.random() for _ in range(4)] != from_snapshot  # ...until the hook re-seeds it


def test_after_restore_drops_cached_clients_and_keeps_settings() -> None:
    from cockpit.observability import ObservabilitySettings

    before = aws.client("dynamodb")
    assert aws.client("dynamodb") is before  # cached per container
    settings = get_settings(ObservabilitySettings)
    snapstart.after_restore()
    after = aws.client("dynamodb")
    assert after is not before  # a new client: new connections, none from the snapshot
    assert get_settings(ObservabilitySettings) is settings


def test_install_registers_with_the_runtime_library(monkeypatch: pytest.MonkeyPatch) -> None:
    registered: list[Any] = []
    library = types.ModuleType("snapshot_restore_py")
    library.register_after_restore = registered.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", library)
    assert snapstart.install() is True
    assert registered == [snapstart.after_restore]


def test_install_is_a_no_op_without_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails, as outside Lambda
    assert snapstart.install() is False
    assert snapstart.INSTALLED is False  # the dev venv has no snapshot_restore_py
