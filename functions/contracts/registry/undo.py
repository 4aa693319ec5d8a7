"""Undo what a request wrote when a later step fails, so a failed request leaves nothing behind."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from cockpit.observability import log_crash


class Undo:
    def __init__(self, what: str, subject: str) -> None:
        self.what, self.subject = what, subject
        self.steps: list[Callable[[], object]] = []

    def add(self, step: Callable[[], object]) -> None:
        self.steps.append(step)

    def committed(self) -> None:
        """What was written is now referenced and stays: a later failure is repaired, not undone."""
        self.steps.clear()

    def __enter__(self) -> Undo:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            return
        for step in reversed(self.steps):
            try:
                step()
            except Exception as failure:  # keep undoing the rest; the original error is re-raised
                log_crash(
                    f"undoing a failed {self.what} left something behind", failure, subject=self.subject
                )
