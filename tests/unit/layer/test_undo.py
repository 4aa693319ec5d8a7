"""`Undo`: the one shape of compensation (the contracts registry had it; booking's units and pending
reservation and charging's session and card hold were undone by hand, where a failing undo step hid the
error that caused it and skipped the steps after it)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from cockpit.undo import Undo


class Boom(Exception):
    pass


def test_nothing_is_undone_when_nothing_fails() -> None:
    done: list[str] = []
    with Undo("thing", "t-1") as undo:
        undo.add(lambda: done.append("a"))
    assert done == []


def failing(*steps: Callable[[], object], commit_after: int | None = None) -> None:
    with Undo("reservation", "rs_1") as undo:
        for n, step in enumerate(steps):
            undo.add(step)
            if n == commit_after:
                undo.committed()
        raise Boom  # the error that caused the undo is the one the caller sees


def test_a_failure_undoes_newest_first_and_goes_on() -> None:
    done: list[str] = []
    with pytest.raises(Boom):
        failing(lambda: done.append("record"), lambda: done.append("units"))
    assert done == ["units", "record"]


def test_a_failing_step_is_logged_and_the_rest_still_run(caplog: pytest.LogCaptureFixture) -> None:
    done: list[str] = []

    def broken() -> None:
        raise RuntimeError("the table is gone")

    with caplog.at_level(logging.ERROR), pytest.raises(Boom):
        failing(lambda: done.append("record"), broken)
    assert done == ["record"]
    assert "undoing a failed reservation left something behind" in caplog.text


def test_committed_work_is_kept() -> None:
    done: list[str] = []
    with pytest.raises(Boom):  # e.g. the CPO may have started: repaired later, never undone
        failing(lambda: done.append("hold"), lambda: done.append("session"), commit_after=1)
    assert done == []


class Stopped(BaseException):
    pass


def test_a_runtime_being_stopped_undoes_nothing() -> None:
    # a killed invocation leaves what it made for the retry that takes it over (booking's resume)
    done: list[str] = []

    def stopping() -> None:
        with Undo("reservation", "rs_1") as undo:
            undo.add(lambda: done.append("units"))
            raise Stopped

    with pytest.raises(Stopped):
        stopping()
    assert done == []
