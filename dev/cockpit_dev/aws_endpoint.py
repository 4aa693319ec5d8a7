"""The AWS endpoint: whatever already answers on 127.0.0.1:<port> (LocalStack, a moto server), else a
moto server started here as a child process (and stopped with the runtime), which keeps its state in a
file across restarts (`moto_server --state`). An endpoint that was already there keeps its own state:
what it holds is not ours to save or reset."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from cockpit_dev import children
from cockpit_dev.net import LOOPBACK, http_status, port_open

START_TIMEOUT = 60.0  # a large saved state takes a while to load
STOP_TIMEOUT = 30.0  # the moto server saves what the last second changed before it exits
STATE_FILE = "aws/moto-state.pickle"  # under the runtime's home, .cockpit/


class AwsEndpointError(RuntimeError):
    """The AWS endpoint could not be reached or started."""


class AwsEndpoint:
    """An AWS endpoint on the loopback interface; `stop()` ends the moto server if this started it."""

    def __init__(
        self,
        port: int,
        kind: str,
        process: subprocess.Popen[bytes] | None = None,
        state_file: Path | None = None,
    ) -> None:
        self.port = port
        self.kind = kind
        self.process = process
        self.state_file = state_file  # where a moto server started here keeps its state

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def started_here(self) -> bool:
        return self.process is not None

    def state(self) -> dict[str, Any]:
        """What the moto server started here did with its state file (`GET /_cockpit/state`)."""
        connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=5)
        try:
            connection.request("GET", "/_cockpit/state")
            response = connection.getresponse()
            document = json.loads(response.read()) if response.status == 200 else {}
        except (OSError, http.client.HTTPException, ValueError):
            document = {}
        finally:
            connection.close()
        return document if isinstance(document, dict) else {}

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        if self.process is not None:
            children.stop(self.process, timeout)
            self.process = None


def existing(port: int, choose: str = "") -> AwsEndpoint | None:
    """The endpoint already answering HTTP on the port, if any (AwsEndpointError if the port is taken
    by something that does not speak HTTP, saying how to `choose` another port when given)."""
    if not port_open(port):
        return None
    if http_status(port, "/") is None:
        how = f" (choose another port: {choose})" if choose else ""
        raise AwsEndpointError(f"{LOOPBACK}:{port} is in use by something that is not an AWS endpoint{how}")
    kind = "localstack" if http_status(port, "/_localstack/health") == 200 else "external"
    if kind == "external" and http_status(port, "/moto-api/") == 200:
        kind = "moto"
    return AwsEndpoint(port, kind)


def start_moto(
    port: int,
    log_path: Path,
    timeout: float = START_TIMEOUT,
    *,
    state_file: Path | None = None,
    fresh: bool = False,
) -> AwsEndpoint:
    """Start moto's server (`cockpit_dev.moto_server`: DynamoDB requests applied atomically, as AWS does)
    on the port and wait until it answers; with `state_file`, it starts from that file (unless `fresh`)
    and saves to it."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "MOTO_ACCOUNT_ID": os.environ.get("MOTO_ACCOUNT_ID", "000000000000"),
        "MOTO_PORT": str(port),
    }
    argv = [sys.executable, "-m", "cockpit_dev.moto_server", "-H", LOOPBACK, "-p", str(port)]
    if state_file is not None:
        argv += ["--state", str(state_file), *(["--fresh"] if fresh else [])]
    with log_path.open("ab") as log:
        process = children.spawn(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            death_signal=signal.SIGTERM,
        )
    endpoint = AwsEndpoint(port, "moto", process, state_file)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AwsEndpointError(
                f"moto server exited with status {process.returncode}; see {log_path}: {_tail(log_path)}"
            )
        if http_status(port, "/moto-api/", timeout=0.5) is not None:
            return endpoint
        time.sleep(0.05)
    endpoint.stop()
    raise AwsEndpointError(
        f"moto server did not answer on {LOOPBACK}:{port} within {timeout:.0f}s; see {log_path}"
    )


def ensure(
    port: int, log_path: Path, state_file: Path | None = None, fresh: bool = False, choose: str = ""
) -> AwsEndpoint:
    """Use what answers on the port, else start moto there (keeping its state in `state_file`)."""
    return existing(port, choose) or start_moto(port, log_path, state_file=state_file, fresh=fresh)


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""
