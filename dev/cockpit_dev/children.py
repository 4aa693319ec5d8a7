"""Child processes that never outlive the runtime: own session (a terminal's Ctrl-C reaches only the
runtime, which then stops them in order), a parent-death signal on Linux, terminate-then-kill."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

_PR_SET_PDEATHSIG = 1


def _death_signal_hook(sig: int | None) -> Callable[[], None] | None:
    if sig is None or not sys.platform.startswith("linux"):
        return None
    parent = os.getpid()

    def hook() -> None:  # runs in the child between fork and exec
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), sig)

    return hook


def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    stdin: int | IO[Any] | None,
    stdout: int | IO[Any] | None,
    stderr: int | IO[Any] | None,
    death_signal: int | None = signal.SIGTERM,
    cwd: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start a child in its own session that gets `death_signal` if this process dies.

    With a death signal, spawn from the main thread: Linux sends it when the spawning *thread* ends.
    Children that notice their parent's death themselves (workers: stdin closes) pass None.
    """
    return subprocess.Popen(  # noqa: S603 - argv is built by the runtime, not from user input
        list(argv),
        env=dict(env),
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        cwd=cwd,
        start_new_session=True,
        preexec_fn=_death_signal_hook(death_signal),
    )


def stop(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM, wait up to `timeout`, then SIGKILL."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
    for stream in (process.stdin, process.stdout):  # stderr belongs to whoever pumps it
        if stream is not None:
            stream.close()
