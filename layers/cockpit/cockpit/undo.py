"""Undo what a request wrote when a later step fails, so a failed request leaves nothing behind.

The one shape of compensation (a contract's registration, a reservation's units and pending record, a
charging start's session and card hold): each step that made something adds how to take it back; on an
exception the steps run newest first, each failure logged (never masking the error that caused the
undo), and the error is re-raised. `committed()` ends it: past that point a failure is repaired (the
reconciler, a retry), never undone.

    with Undo("reservation", rid) as undo:
        hold_units()
        undo.add(release_units)
        authorize_payment()   # raises: the units are released, the error goes on
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from cockpit.observability import log_crash


class Undo:
    """A context manager of compensating steps (see the module's docstring)."""

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
        if kind is None or not issubclass(kind, Exception):
            # nothing failed; or the runtime is being stopped (SystemExit, KeyboardInterrupt, a kill):
            # no compensation starts then, the retry that takes the call over finishes it
            return
        for step in reversed(self.steps):
            try:
                step()
            except Exception as failure:  # keep undoing the rest; the original error is re-raised
                log_crash(
                    f"undoing a failed {self.what} left something behind", failure, subject=self.subject
                )
