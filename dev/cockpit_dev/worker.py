"""One function's execution environment: a child process, like one Lambda container.

Run as `python -m cockpit_dev.worker` by the runtime, with the function's environment already set.
It reads its spec (one JSON line) on stdin, puts the function's code folder and layers on sys.path
(as Lambda does with /var/task and /opt/python), imports the handler once (the cold start), and
serves invocations, one at a time, on 127.0.0.1:<ephemeral port>, which it reports on stdout as
`READY <port>`. Everything the function prints goes to stderr. When stdin closes (the runtime is
gone), it exits; after a handler times out, it answers with the timeout error and exits, as Lambda
ends that sandbox (so the timed-out handler cannot go on in a reused one).

Stdlib only, so that it starts fast.
"""

from __future__ import annotations

import decimal
import importlib
import importlib.util
import json
import os
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

Handler = Callable[[Any, Any], Any]
UNAUTHORIZED = "Unauthorized"  # what a TOKEN authorizer raises for API Gateway to answer 401


class LambdaContext:
    """The context object a Python Lambda handler receives."""

    def __init__(self, spec: dict[str, Any], request_id: str, deadline: float) -> None:
        self.function_name: str = spec["name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn: str = spec["arn"]
        self.memory_limit_in_mb: str = str(spec["memory"])  # a string, as in the Python runtime
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", f"/aws/lambda/{self.function_name}")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "local")
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def error_document(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):  # as the Lambda Python runtime does
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class Function:
    """The imported handler (or why it could not be imported) and how to run it."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.handler: Handler | None = None
        self.init_error: dict[str, Any] | None = None
        module_name, _, attribute = str(spec["handler"]).rpartition(".")
        self.package = module_name.split(".")[0]
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            self.init_error = error_document(exc, "Runtime.ImportModuleError")
            self.init_error["errorMessage"] = f"Unable to import module '{module_name}': {exc}"
        else:
            handler = getattr(module, attribute, None)
            if callable(handler):
                self.handler = handler
            else:
                self.init_error = {
                    "errorMessage": f"Handler '{attribute}' missing on module '{module_name}'",
                    "errorType": "Runtime.HandlerNotFound",
                    "stackTrace": [],
                }
        if self.init_error is not None:
            _log(f"[ERROR] {self.init_error['errorType']}: {self.init_error['errorMessage']}")

    def invoke(self, payload: bytes, request_id: str) -> tuple[bytes, bool, bool]:
        """(response payload, whether it is an error document, whether the handler timed out)."""
        if self.init_error is not None:
            return json.dumps({**self.init_error, "requestId": request_id}).encode(), True, False
        timeout = float(self.spec["timeout"])
        started = time.monotonic()
        outcome: dict[str, Any] = {}
        runner = threading.Thread(
            target=self._run, args=(payload, request_id, started + timeout, outcome), daemon=True
        )
        runner.start()
        runner.join(timeout)
        duration = (time.monotonic() - started) * 1000
        _log(f"REPORT RequestId: {request_id} Duration: {duration:.2f} ms")
        if runner.is_alive():
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            message = f"{stamp} {request_id} Task timed out after {timeout:.2f} seconds"
            _log(message)
            return json.dumps({"errorMessage": message, "errorType": "Sandbox.Timedout"}).encode(), True, True
        return outcome["payload"], outcome["error"], False

    def _run(self, payload: bytes, request_id: str, deadline: float, outcome: dict[str, Any]) -> None:
        assert self.handler is not None
        try:
            event = json.loads(payload) if payload.strip() else {}
            result = self.handler(event, LambdaContext(self.spec, request_id, deadline))
        except Exception as exc:
            document = {**error_document(exc), "requestId": request_id}
            if document["errorMessage"] != UNAUTHORIZED:  # an authorizer's refusal is no crash: no trace
                _log(f"[ERROR] {document['errorType']}: {document['errorMessage']}\n{traceback.format_exc()}")
            outcome.update(payload=json.dumps(document).encode(), error=True)
            return
        try:
            outcome.update(payload=json.dumps(result, default=_json_default).encode(), error=False)
        except (TypeError, ValueError) as exc:
            document = {
                "errorMessage": f"Unable to marshal response: {exc}",
                "errorType": "Runtime.MarshalError",
                "requestId": request_id,
                "stackTrace": [],
            }
            outcome.update(payload=json.dumps(document).encode(), error=True)

    def seed(self) -> bool:
        """Run `<package>.seed.run()` if the function's package has one; whether it did."""
        name = f"{self.package}.seed"
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            return False
        run = getattr(importlib.import_module(name), "run", None)
        if not callable(run):
            return False
        run()
        return True


def _log(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def _request_handler(function: Function) -> type[BaseHTTPRequestHandler]:
    class InvocationHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/invoke":
                request_id = self.headers.get("X-Request-Id") or str(uuid.uuid4())
                payload, failed, timed_out = function.invoke(body, request_id)
                self._reply(200, payload, {"X-Function-Error": "Unhandled"} if failed else {})
                if timed_out:
                    os._exit(0)  # the answer is sent; the handler's thread must not run on
            elif self.path == "/seed":
                try:
                    seeded = function.seed()
                except Exception as exc:
                    _log(f"[ERROR] seeding failed: {exc!r}\n{traceback.format_exc()}")
                    self._reply(500, json.dumps(error_document(exc)).encode(), {})
                else:
                    self._reply(200, json.dumps({"seeded": seeded}).encode(), {})
            else:
                self._reply(404, b"{}", {})

        def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return InvocationHandler


def _exit_when_parent_goes(stream: Any) -> None:
    while stream.read(65536):
        pass
    os._exit(0)


def main() -> None:
    ready = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the function's prints go to stderr; stdout only carries READY <port>
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    spec = json.loads(sys.stdin.buffer.readline())
    os.chdir(spec["code_uri"])
    sys.path[:0] = [spec["code_uri"], *spec.get("layers", [])]
    function = Function(spec)
    server = HTTPServer(("127.0.0.1", 0), _request_handler(function))  # one invocation at a time
    threading.Thread(target=_exit_when_parent_goes, args=(sys.stdin.buffer,), daemon=True).start()
    ready.write(f"READY {server.server_address[1]}\n")
    ready.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
