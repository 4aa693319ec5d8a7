"""The runtime's side of the function workers: start them, invoke them, seed them, stop them."""

from __future__ import annotations

import http.client
import json
import os
import select
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from cockpit.local import children
from cockpit.local.net import LOOPBACK
from cockpit.local.template import Function

READY_TIMEOUT = 30.0


class WorkerError(RuntimeError):
    """A worker could not be started or seeded."""


@dataclass(frozen=True)
class InvokeResult:
    """A function's response payload; `error` is "Unhandled" when the payload is an error document."""

    payload: bytes
    error: str | None = None

    def json(self) -> Any:
        return json.loads(self.payload) if self.payload else None


def function_environment(
    function: Function,
    *,
    aws_url: str,
    lambda_url: str,
    region: str,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a function's worker: the developer's (minus other AWS endpoints), the
    function's resolved variables, and what Lambda itself sets."""
    inherited = {
        key: value
        for key, value in (os.environ if base is None else base).items()
        if not key.startswith(("AWS_ENDPOINT_URL", "AWS_LAMBDA_", "_HANDLER", "LAMBDA_"))
    }
    env = {**inherited, **function.environment}
    env.setdefault("AWS_ACCESS_KEY_ID", "testing")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    if env["AWS_ACCESS_KEY_ID"] == "testing":
        env.setdefault("AWS_SESSION_TOKEN", "testing")
    env.update(
        {
            "AWS_ENDPOINT_URL": aws_url,
            "AWS_ENDPOINT_URL_LAMBDA": lambda_url,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
            "LAMBDA_TASK_ROOT": str(function.code_uri),
            "_HANDLER": function.handler,
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": env.get("PYTHONDONTWRITEBYTECODE", "1"),
        }
    )
    return env


class Worker:
    """One function's worker process. Thread-safe; restarted if it dies, as Lambda replaces a sandbox."""

    def __init__(self, function: Function, env: Mapping[str, str]) -> None:
        self.function = function
        self.env = dict(env)
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._stopped = False

    def start(self) -> None:
        """Start the process (returns at once; `wait_ready` waits for its cold start)."""
        self.process = children.spawn(
            [sys.executable, "-m", "cockpit.local.worker"],
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            death_signal=None,  # it exits when its stdin closes; and may be restarted from any thread
        )
        assert self.process.stdin is not None
        assert self.process.stderr is not None
        spec = {
            "name": self.function.name,
            "arn": self.function.arn,
            "handler": self.function.handler,
            "code_uri": str(self.function.code_uri),
            "layers": [str(path) for path in self.function.layers],
            "timeout": self.function.timeout,
            "memory": self.function.memory,
        }
        self.process.stdin.write(json.dumps(spec).encode() + b"\n")
        self.process.stdin.flush()
        prefix = f"[{self.function.name}] ".encode()
        threading.Thread(target=_pump, args=(self.process.stderr, prefix), daemon=True).start()

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        line = _read_line(self.process.stdout, timeout)
        if not line.startswith(b"READY "):
            status = self.process.poll()
            self.stop()
            state = (
                f"exited with status {status}" if status is not None else f"not ready after {timeout:.0f}s"
            )
            raise WorkerError(f"the worker of {self.function.name} {state} (its log above says why)")
        self.port = int(line.split()[1])

    def ensure_running(self) -> int:
        """The worker's port, starting a new worker first if the last one died."""
        with self._lock:
            assert self.process is not None
            if self.process.poll() is not None and not self._stopped:
                sys.stderr.write(
                    f"[{self.function.name}] worker exited ({self.process.returncode}); restarting\n"
                )
                self.start()
                self.wait_ready()
            assert self.port is not None
            return self.port

    def invoke(self, payload: bytes, request_id: str | None = None) -> InvokeResult:
        request_id = request_id or str(uuid.uuid4())
        status, body, headers = self._post("/invoke", payload, request_id, self.function.timeout + 10)
        if status is None:
            document = {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"RequestId: {request_id} Error: Runtime exited without providing a reason",
            }
            return InvokeResult(json.dumps(document).encode(), "Unhandled")
        return InvokeResult(body, headers.get("X-Function-Error"))

    def seed(self) -> bool:
        """Run the function package's seed hook, if it has one; whether it did."""
        status, body, _ = self._post("/seed", b"", str(uuid.uuid4()), 120)
        if status != 200:
            detail = json.loads(body).get("errorMessage", "") if body else "worker not reachable"
            raise WorkerError(f"seeding {self.function.name} failed: {detail}")
        return bool(json.loads(body)["seeded"])

    def _post(
        self, path: str, body: bytes, request_id: str, timeout: float
    ) -> tuple[int | None, bytes, dict[str, str]]:
        connection = http.client.HTTPConnection(LOOPBACK, self.ensure_running(), timeout=timeout)
        try:
            connection.request("POST", path, body=body, headers={"X-Request-Id": request_id})
            response = connection.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        except (OSError, http.client.HTTPException):
            return None, b"", {}
        finally:
            connection.close()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopped = True
        if self.process is not None:
            if self.process.stdin is not None and not self.process.stdin.closed:
                self.process.stdin.close()  # the worker exits when its stdin closes
            children.stop(self.process, timeout)


class WorkerPool:
    """One worker per function, looked up by name, logical id or ARN."""

    def __init__(self, workers: Iterable[Worker]) -> None:
        self.workers = {worker.function.logical_id: worker for worker in workers}

    def start(self, timeout: float = READY_TIMEOUT) -> None:
        """Start every worker (processes from this thread, cold starts in parallel)."""
        for worker in self.workers.values():
            worker.start()
        errors: list[Exception] = []

        def wait(worker: Worker) -> None:
            try:
                worker.wait_ready(timeout)
            except WorkerError as exc:
                errors.append(exc)

        waiters = [threading.Thread(target=wait, args=(w,)) for w in self.workers.values()]
        for thread in waiters:
            thread.start()
        for thread in waiters:
            thread.join()
        if errors:
            raise errors[0]

    def get(self, name_or_arn: str) -> Worker | None:
        for worker in self.workers.values():
            if name_or_arn in (worker.function.logical_id, worker.function.name, worker.function.arn):
                return worker
        return None

    def seed(self) -> list[str]:
        """Run each function package's seed hook once (in the first worker of that package, so with
        that function's environment); the names of the functions that seeded."""
        seeded, packages = [], set()
        for worker in self.workers.values():
            package = worker.function.handler.split(".")[0]
            if package not in packages:
                packages.add(package)
                if worker.seed():
                    seeded.append(worker.function.name)
        return seeded

    def stop(self) -> None:
        for worker in self.workers.values():
            if worker.process is not None and worker.process.stdin is not None:
                worker.process.stdin.close()
        for worker in self.workers.values():
            worker.stop()


def _read_line(stream: IO[bytes], timeout: float) -> bytes:
    """One line from a pipe, or b"" at EOF or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    buffer = b""
    while not buffer.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([stream], [], [], remaining)[0]:
            return b""
        chunk = os.read(stream.fileno(), 1)
        if not chunk:
            return buffer
        buffer += chunk
    return buffer


def _pump(stream: IO[bytes], prefix: bytes) -> None:
    """Copy a worker's log lines to our stderr, each prefixed with the function's name."""
    try:
        for line in iter(stream.readline, b""):
            sys.stderr.write((prefix + line).decode(errors="replace"))
            sys.stderr.flush()
    except (OSError, ValueError):
        pass
    finally:
        stream.close()
