"""Code edits reach the running gateway: a thread polls the modification times of the functions' code,
their layers and the worker (stdlib only, no inotify), and on a change the function workers restart —
the next invocation gets a fresh process that imports the edited code, as a new Lambda version would.
Edits to the rest of the development package or to the template need `make run` again (it says so).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

SUFFIXES = (".py", ".json", ".yaml", ".yml")
SKIPPED = ("__pycache__", ".aws-sam", ".venv", ".git", "node_modules")
INTERVAL = 1.0  # seconds between two looks (a look costs a few ms)

Stamp = tuple[int, int]  # (mtime_ns, size)


def snapshot(roots: Iterable[Path]) -> dict[Path, Stamp]:
    """The code files under `roots` (files or folders) with their modification time and size."""
    found: dict[Path, Stamp] = {}
    for root in roots:
        if root.is_file():
            _stamp(found, str(root))
            continue
        for folder, folders, files in os.walk(root):
            folders[:] = [name for name in folders if name not in SKIPPED]
            for name in files:
                if name.endswith(SUFFIXES):
                    _stamp(found, os.path.join(folder, name))
    return found


def _stamp(found: dict[Path, Stamp], path: str) -> None:
    try:
        stat = os.stat(path)
    except OSError:  # removed meanwhile
        return
    found[Path(path)] = (stat.st_mtime_ns, stat.st_size)


def changed(before: dict[Path, Stamp], after: dict[Path, Stamp]) -> list[Path]:
    """Files added, removed or modified between two snapshots."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


class Watcher:
    """Calls `on_change(paths)` from its own thread whenever files under `roots` change."""

    def __init__(
        self, roots: Iterable[Path], on_change: Callable[[list[Path]], None], interval: float = INTERVAL
    ) -> None:
        self.roots = sorted({root.resolve() for root in roots})
        self.on_change = on_change
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        seen = snapshot(self.roots)

        def loop() -> None:
            nonlocal seen
            while not self._stop.wait(self.interval):
                now = snapshot(self.roots)
                paths = changed(seen, now)
                seen = now
                if paths:
                    self.on_change(paths)

        self._thread = threading.Thread(target=loop, name="cockpit-reload", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
