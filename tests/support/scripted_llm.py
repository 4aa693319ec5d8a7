"""A scripted OpenAI-compatible chat-completions server on a loopback port: it plays the model over real
HTTP for the assistant's real client code. Each POST /chat/completions takes the next scripted step — a
function of the request body returning (status, body) — and every request is recorded for assertions."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Step = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


def says(text: str) -> Step:
    return lambda _req: (200, completion({"role": "assistant", "content": text}, "stop"))


def calls(*tool_calls: tuple[str, dict[str, Any] | str]) -> Step:
    """The model asks for these tool calls (arguments as an object, or as raw text to send as is)."""

    def step(_req: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        entries = [
            {
                "id": f"call_{i}_{name}",
                "type": "function",
                "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)},
            }
            for i, (name, args) in enumerate(tool_calls)
        ]
        return 200, completion({"role": "assistant", "content": None, "tool_calls": entries}, "tool_calls")

    return step


def fails(status: int) -> Step:
    return lambda _req: (status, {"error": {"message": "scripted failure", "type": "server_error"}})


def completion(message: dict[str, Any], finish: str) -> dict[str, Any]:
    """The shape OpenAI and DashScope's compatible mode answer (id, object, model, choices, usage)."""
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 1767225600,
        "model": "qwen-plus",
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }


class ScriptedModel:
    def __init__(self, url: str) -> None:
        self.url = url
        self.steps: list[Step] = []
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []

    def script(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests.clear()
        self.headers.clear()


@contextmanager
def scripted_model() -> Iterator[ScriptedModel]:
    lock = threading.Lock()
    holder: dict[str, ScriptedModel] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            model = holder["model"]
            with lock:
                model.requests.append(body)
                model.headers.append({k.lower(): v for k, v in self.headers.items()})
                step = model.steps.pop(0) if model.steps else says("(script exhausted)")
            if not self.path.endswith("/chat/completions"):
                status, answer = 404, {"error": {"message": f"no route {self.path}"}}
            else:
                status, answer = step(body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["model"] = ScriptedModel(f"http://127.0.0.1:{server.server_address[1]}/v1")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder["model"]
    finally:
        server.shutdown()
        server.server_close()
