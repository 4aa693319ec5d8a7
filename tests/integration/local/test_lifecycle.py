"""`cockpit run` as a process: SIGTERM stops everything it started; if it is killed, its children go
too; a taken port is a one-line error."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cockpit_dev.net import free_port
from tests.support import localfn
from tests.support.local_gateway import ROOT, launch


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pids: set[int], timeout: float = 10) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.05)
    return {pid for pid in pids if alive(pid)}


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_runtime_and_all_its_children(tmp_path: Path, how: str) -> None:
    gateway = launch(home=tmp_path, log_dir=tmp_path / "logs", template=localfn.TEMPLATE)
    children = children_of(gateway.process.pid)
    assert len(children) == 4, gateway.output()  # moto + three function workers
    gateway.process.send_signal(getattr(signal, how))
    assert gateway.process.wait(15) == 0, gateway.output()
    assert wait_gone(children) == set()
    assert "[cockpit] stopping" in gateway.stderr_path.read_text()


def test_children_exit_when_the_runtime_is_killed(tmp_path: Path) -> None:
    gateway = launch(home=tmp_path, log_dir=tmp_path / "logs", template=localfn.TEMPLATE)
    children = children_of(gateway.process.pid)
    assert len(children) == 4
    os.kill(gateway.process.pid, signal.SIGKILL)
    gateway.process.wait(5)
    assert wait_gone(children) == set()


def test_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "cockpit_dev.cli",
                "run",
                "--template",
                str(localfn.TEMPLATE),
                "--port",
                str(port),
            ],
            cwd=ROOT,
            env={**os.environ, "COCKPIT_HOME": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == 1
    assert result.stdout == ""
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1
    assert errors[0].startswith(f"cockpit run: error: cannot serve the API on 127.0.0.1:{port}")


def test_a_bad_parameter_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cockpit_dev.cli",
            "run",
            "--template",
            str(localfn.TEMPLATE),
            "--parameter",
            "Greeting=howdy",
        ],
        cwd=ROOT,
        env={**os.environ, "COCKPIT_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "Greeting='howdy' is not one of ['hello', 'hi']" in result.stderr


def test_the_test_launcher_tries_other_ports_when_a_free_one_was_taken_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A port found free can be taken before `cockpit run` binds it (suites run side by side): the
    launcher the suites share starts again on other ports instead of failing the test."""
    from tests.support import local_gateway

    handed: list[int] = []
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        def first_taken() -> int:
            handed.append(port if not handed else free_port())
            return handed[-1]

        monkeypatch.setattr(local_gateway, "free_port", first_taken)
        gateway = launch(home=tmp_path, log_dir=tmp_path / "logs", template=localfn.TEMPLATE)
    try:
        assert len(handed) == 6  # three ports for the attempt that could not bind, three for the next
        assert gateway.api_url == f"http://127.0.0.1:{handed[3]}" != f"http://127.0.0.1:{port}"
        assert gateway.process.poll() is None
    finally:
        gateway.stop()
