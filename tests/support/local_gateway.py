"""Start `cockpit run` as a subprocess on free ports, wait for its ready line, stop it with SIGTERM.

Used by the e2e fixtures and by the local runtime's own integration tests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cockpit_dev.net import free_port

READY_PREFIX = "cockpit-gateway ready "
ROOT = Path(__file__).resolve().parents[2]


class GatewayUrl(str):
    """The API base URL of a started gateway, also carrying its other endpoints."""

    lambda_url: str
    aws_endpoint_url: str

    def __new__(cls, url: str, lambda_url: str, aws_endpoint_url: str) -> GatewayUrl:
        value = super().__new__(cls, url)
        value.lambda_url = lambda_url
        value.aws_endpoint_url = aws_endpoint_url
        return value


@dataclass
class GatewayProcess:
    process: subprocess.Popen[bytes]
    url: GatewayUrl
    ready_line: str
    stdout_path: Path
    stderr_path: Path
    home: Path | None = None  # its COCKPIT_HOME (the Lambda API's credential is there)

    @property
    def api_url(self) -> str:
        return str(self.url)

    def output(self) -> str:
        return (
            f"--- stdout ---\n{self.stdout_path.read_text(errors='replace')}"
            f"--- stderr ---\n{self.stderr_path.read_text(errors='replace')}"
        )

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, then wait; SIGKILL (and AssertionError) if it does not stop in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
                raise AssertionError(f"cockpit run did not stop on SIGTERM\n{self.output()}") from None
        return self.process.returncode


def launch(
    *,
    home: Path,
    log_dir: Path,
    template: Path = ROOT / "template.yaml",
    parameters: Mapping[str, str] | None = None,
    stack_name: str | None = None,
    aws_port: int | None = None,
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
    arguments: Sequence[str] = (),
) -> GatewayProcess:
    """`cockpit run [arguments]` on free ports (its own moto, keeping its state under `home`, unless
    `aws_port` points at a running endpoint), with this process's environment plus `env`. A port found
    free can be taken by another process before the runtime binds it: a start that fails for that
    alone is tried again on other ports."""
    for attempt in range(PORT_ATTEMPTS):
        try:
            return _launch(
                home=home, log_dir=log_dir, template=template, parameters=parameters, stack_name=stack_name,
                aws_port=aws_port, timeout=timeout, env=env, arguments=arguments,
            )  # fmt: skip
        except PortTaken:
            if attempt == PORT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


PORT_ATTEMPTS = 3
PORT_TAKEN = ("cannot serve the", "is in use by something")  # what `cockpit run` says when it cannot bind


class PortTaken(RuntimeError):
    """`cockpit run` could not bind a port that was free when it was chosen."""


def _launch(
    *,
    home: Path,
    log_dir: Path,
    template: Path,
    parameters: Mapping[str, str] | None,
    stack_name: str | None,
    aws_port: int | None,
    timeout: float,
    env: Mapping[str, str] | None,
    arguments: Sequence[str],
) -> GatewayProcess:
    api_port, lambda_port = free_port(), free_port()
    aws_port = aws_port or free_port()
    argv = [
        sys.executable, "-m", "cockpit_dev.cli", "run",
        "--template", str(template),
        "--port", str(api_port), "--lambda-port", str(lambda_port), "--aws-port", str(aws_port),
    ]  # fmt: skip
    if stack_name:
        argv += ["--stack-name", stack_name]
    for key, value in (parameters or {}).items():
        argv += ["--parameter", f"{key}={value}"]
    argv += arguments
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    environment.update({**(env or {}), "COCKPIT_HOME": str(home)})
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = log_dir / "stdout.log", log_dir / "stderr.log"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=environment, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL
        )
    url = GatewayUrl(
        f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{lambda_port}", f"http://127.0.0.1:{aws_port}"
    )
    gateway = GatewayProcess(process, url, "", stdout_path, stderr_path, home)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = next((ln for ln in stdout_path.read_text().splitlines() if ln.startswith(READY_PREFIX)), None)
        if line is not None:
            gateway.ready_line = line
            return gateway
        if process.poll() is not None:
            said = gateway.output()
            kind = PortTaken if any(sign in said for sign in PORT_TAKEN) else RuntimeError
            raise kind(f"cockpit run exited with {process.returncode} before it was ready\n{said}")
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(f"cockpit run was not ready within {timeout:.0f}s\n{gateway.output()}")
