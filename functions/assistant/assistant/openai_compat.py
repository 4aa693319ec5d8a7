"""OpenAI-compatible chat completions: Qwen on Alibaba Model Studio (DashScope's compatible mode), OpenAI,
vLLM, Ollama — one client, another base URL. Tools as `functions`, `tool_choice: auto`, parallel calls."""

from __future__ import annotations

import json
from typing import Any

import httpx

from assistant.ports import Message, ModelReply, ModelRequest, ModelToolCall
from cockpit import deadline
from cockpit.errors import ModelUnavailable, UpstreamTimeout
from cockpit.tools.model import ToolSpec


class OpenAICompatibleModel:
    def __init__(
        self,
        provider: str,
        base_url: str,
        model: str,
        api_key: str,
        *,
        timeout_s: float = 8.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.provider = provider
        self.model = model
        self._timeout_s = timeout_s
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 3.0)),
            transport=transport,
        )

    def complete(self, request: ModelRequest) -> ModelReply:
        body = payload(self.model, request)
        try:
            seconds = deadline.budget(self._timeout_s, self.provider)
        except UpstreamTimeout:
            raise ModelUnavailable(f"{self.provider}: no time left in this turn to ask the model") from None
        try:
            timeout = httpx.Timeout(seconds, connect=min(seconds, 3.0))
            response = self._http.post("chat/completions", json=body, timeout=timeout)
        except httpx.TimeoutException:
            raise ModelUnavailable(f"{self.provider}: the model did not answer in time") from None
        except httpx.HTTPError as exc:
            raise ModelUnavailable(
                f"{self.provider}: the model could not be reached ({type(exc).__name__})"
            ) from None
        if response.status_code != 200:
            raise ModelUnavailable(f"{self.provider}: the model answered HTTP {response.status_code}")
        try:
            return parse(response.json())
        except (ValueError, KeyError, IndexError, TypeError):
            raise ModelUnavailable(f"{self.provider}: the model's answer is not a chat completion") from None


def tool_entry(tool: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": tool.name, "description": tool.description, "parameters": tool.input_schema},
    }


def payload(model: str, request: ModelRequest) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "system", "content": request.system}]
    messages += [wire_message(m) for m in request.messages]
    body: dict[str, Any] = {"model": model, "messages": messages, "temperature": 0.2}
    if request.tools:
        body.update(
            tools=[tool_entry(t) for t in request.tools], tool_choice="auto", parallel_tool_calls=True
        )
    return body


def wire_message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        out["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {
                    "name": c.name,
                    "arguments": json.dumps(c.arguments, ensure_ascii=False)
                    if c.arguments is not None
                    else c.raw_arguments,
                },
            }
            for c in message.tool_calls
        ]
    return out


def parse(document: dict[str, Any]) -> ModelReply:
    """A chat completion (OpenAI's shape, which DashScope's compatible mode also answers)."""
    message = document["choices"][0]["message"]
    calls = []
    for i, call in enumerate(message.get("tool_calls") or []):
        fn = call["function"]
        raw = fn.get("arguments") or "{}"
        calls.append(
            ModelToolCall(
                id=str(call.get("id") or f"call_{i}"),
                name=str(fn["name"]),
                arguments=_object(raw),
                raw_arguments=raw if isinstance(raw, str) else json.dumps(raw),
            )
        )
    return ModelReply(text=str(message.get("content") or ""), tool_calls=tuple(calls))


def _object(raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None
