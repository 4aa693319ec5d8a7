"""The runtime's side of the function workers: start them, invoke them, seed them, stop them.

Like Lambda, each worker (an execution environment) runs one invocation at a time: a function gets
one worker at boot and more on demand, while all of its workers are busy, up to MAX_WORKERS.
"""

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
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from cockpit_dev import children, logs
from cockpit_dev.net import LOOPBACK
from cockpit_dev.template import Function

READY_TIMEOUT = 30.0
MAX_WORKERS = 8  # execution environments per function
TIMED_OUT = "Sandbox.Timedout"
_PROCESS_VARIABLES = ("PATH", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "COCKPIT_HOME")
_CREDENTIALS = {  # without the runtime's own (cockpit_dev.lambda_auth): moto and LocalStack accept any
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


class WorkerError(RuntimeError):
    """A worker could not be started or seeded."""


@dataclass(frozen=True)
class InvokeResult:
    """A function's response payload; `error` is "Unhandled" when the payload is an error document."""

    payload: bytes
    error: str | None = None

    def json(self) -> Any:
        return json.loads(self.payload) if self.payload else None

    def error_field(self, name: str) -> str | None:
        """A field of the error document (errorType, errorMessage); None if there is no error."""
        document = self.json() if self.error else None
        return str(document.get(name)) if isinstance(document, dict) else None


def _exit_error(request_id: str) -> InvokeResult:
    document = {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited without providing a reason",
    }
    return InvokeResult(json.dumps(document).encode(), "Unhandled")


def function_environment(
    function: Function,
    *,
    aws_url: str,
    lambda_url: str,
    region: str,
    base: Mapping[str, str] | None = None,
    credentials: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A worker's environment, built as Lambda builds it: the function's variables from the template
    and the variables Lambda reserves, plus only what the process needs to run (PATH, the venv's
    Python variables, COCKPIT_HOME). Nothing else of the developer's environment gets through.
    `credentials` stand for the execution role's: the runtime's own, which its Lambda API requires."""
    source = os.environ if base is None else base
    needed = {key: source[key] for key in _PROCESS_VARIABLES if key in source}
    return {
        **needed,
        "LANG": "en_US.UTF-8",
        **function.environment,
        **(_CREDENTIALS if credentials is None else credentials),
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
        "TZ": ":UTC",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


class Worker:
    """One execution environment: a worker process that runs one invocation at a time. Its owner
    (FunctionWorkers) makes sure of that, and drops it once it has died or timed out."""

    def __init__(self, function: Function, env: Mapping[str, str]) -> None:
        self.function = function
        self.env = dict(env)
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.generation = 0  # the code it runs: older than its owner's after a reload, it is retired

    def start(self) -> None:
        """Start the process (returns at once; `wait_ready` waits for its cold start)."""
        self.process = children.spawn(
            [sys.executable, "-m", "cockpit_dev.worker"],
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            death_signal=None,  # it exits when its stdin closes; and any thread may start one
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
        threading.Thread(target=_pump, args=(self.process.stderr, self.function.name), daemon=True).start()

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

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def invoke(self, payload: bytes, request_id: str) -> InvokeResult:
        status, body, headers = self._post("/invoke", payload, request_id, self.function.timeout + 10)
        if status is None:
            logs.emit(self.function.name, "worker exited; the next invocation starts a new one")
            self.stop()
            return _exit_error(request_id)
        result = InvokeResult(body, headers.get("X-Function-Error"))
        if result.error_field("errorType") == TIMED_OUT:
            self.stop()  # Lambda ends a sandbox whose handler timed out (the worker is exiting already)
        return result

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
        assert self.port is not None
        connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=timeout)
        try:
            connection.request("POST", path, body=body, headers={"X-Request-Id": request_id})
            response = connection.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        except (OSError, http.client.HTTPException):
            return None, b"", {}
        finally:
            connection.close()

    def close_stdin(self) -> None:
        """Ask the worker to exit (it does when its stdin closes)."""
        if self.process is not None and self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()

    def stop(self, timeout: float = 5.0) -> None:
        if self.process is not None:
            self.close_stdin()
            children.stop(self.process, timeout)


class FunctionWorkers:
    """A function's execution environments. An invocation takes an idle worker, or starts a new one
    while there are fewer than `limit`, or waits for one to be free; dead or timed-out workers are
    dropped, so the next invocation gets a fresh one."""

    def __init__(self, function: Function, env: Mapping[str, str], limit: int = MAX_WORKERS) -> None:
        self.function = function
        self.env = dict(env)
        self.limit = limit
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()  # idle, busy, or starting
        self._changed = threading.Condition()
        self._stopped = False
        self._generation = 0

    def invoke(self, payload: bytes, request_id: str | None = None) -> InvokeResult:
        request_id = request_id or str(uuid.uuid4())
        try:
            with self.lease() as worker:
                return worker.invoke(payload, request_id)
        except (WorkerError, OSError) as exc:  # no worker could be started
            logs.emit(self.function.name, str(exc))
            return _exit_error(request_id)

    @contextmanager
    def lease(self) -> Iterator[Worker]:
        """A worker for this thread alone, until the block ends."""
        worker = self._acquire()
        try:
            yield worker
        finally:
            self._release(worker)

    def _acquire(self) -> Worker:
        with self._changed:
            while not self._idle and len(self._all) >= self.limit and not self._stopped:
                self._changed.wait()
            if self._stopped:
                raise WorkerError(f"the workers of {self.function.name} are stopped")
            if self._idle:
                return self._idle.pop()
            worker = Worker(self.function, self.env)
            worker.generation = self._generation
            self._all.add(worker)
        try:
            worker.start()
            worker.wait_ready()
        except (WorkerError, OSError):
            self._release(worker)
            raise
        return worker

    def _release(self, worker: Worker) -> None:
        with self._changed:
            keep = worker.alive and not self._stopped and worker.generation == self._generation
            if keep:
                self._idle.append(worker)
            else:
                self._all.discard(worker)
            self._changed.notify()
        if not keep:
            worker.stop()

    def recycle(self) -> list[Worker]:
        """The code changed: idle workers are retired now (returned, for the caller to stop), busy ones
        when their invocation ends; new invocations get new workers."""
        with self._changed:
            self._generation += 1
            retired, self._idle = self._idle, []
            self._all.difference_update(retired)
            self._changed.notify_all()
        return retired

    def stop(self) -> list[Worker]:
        """Start no more workers; the ones there are (the caller stops them)."""
        with self._changed:
            self._stopped = True
            workers = list(self._all)
            self._changed.notify_all()
        return workers


class WorkerPool:
    """The workers of every function, looked up by name, logical id or ARN."""

    def __init__(self, functions: Iterable[FunctionWorkers]) -> None:
        self.functions = {workers.function.logical_id: workers for workers in functions}

    def start(self) -> None:
        """One worker per function (cold starts in parallel); more start when they are needed."""
        errors: list[Exception] = []

        def warm(workers: FunctionWorkers) -> None:
            try:
                with workers.lease():
                    pass
            except (WorkerError, OSError) as exc:
                errors.append(exc)

        threads = [threading.Thread(target=warm, args=(w,)) for w in self.functions.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def get(self, name_or_arn: str) -> FunctionWorkers | None:
        for workers in self.functions.values():
            if name_or_arn in (workers.function.logical_id, workers.function.name, workers.function.arn):
                return workers
        return None

    def seed(self) -> list[str]:
        """Run each function package's seed hook once (in a worker of the first function of that
        package, so with that function's environment); the names of the functions that seeded."""
        seeded, packages = [], set()
        for workers in self.functions.values():
            package = workers.function.handler.split(".")[0]
            if package not in packages:
                packages.add(package)
                with workers.lease() as worker:
                    if worker.seed():
                        seeded.append(workers.function.name)
        return seeded

    def recycle(self) -> None:
        """Restart every function's workers (after a code change): retire them, then warm one each."""
        retired = [worker for each in self.functions.values() for worker in each.recycle()]
        for worker in retired:
            worker.close_stdin()
        for worker in retired:
            worker.stop()
        try:
            self.start()
        except (WorkerError, OSError) as exc:  # e.g. the edit does not import: its invocations say so
            logs.emit("cockpit", f"a worker did not start after the change: {exc}")

    def stop(self) -> None:
        workers = [worker for each in self.functions.values() for worker in each.stop()]
        for worker in workers:
            worker.close_stdin()  # they all exit at once
        for worker in workers:
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


def _pump(stream: IO[bytes], source: str) -> None:
    """Copy a worker's log lines to the runtime's console, each marked with the function's name."""
    try:
        for line in iter(stream.readline, b""):
            logs.emit(source, line.decode(errors="replace"))
    except (OSError, ValueError):
        pass
    finally:
        stream.close()
