"""Amazon Bedrock's Converse API through boto3: toolConfig, toolUse and toolResult content blocks."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from assistant.ports import Message, ModelReply, ModelRequest, ModelToolCall
from cockpit import aws
from cockpit.errors import ModelUnavailable, UpstreamTimeout


class BedrockConverseModel:
    provider = "bedrock"

    def __init__(self, model_id: str, client: Any = None, *, timeout_s: float = 15.0) -> None:
        self.model_id = model_id
        self._client = client
        self._timeout_s = timeout_s  # LlmTimeoutSeconds, or what the turn has left when that is less

    def complete(self, request: ModelRequest) -> ModelReply:
        try:
            client = self._client or aws.client_within("bedrock-runtime", "bedrock", self._timeout_s)
        except UpstreamTimeout:
            raise ModelUnavailable("bedrock: no time left in this turn to ask the model") from None
        try:
            answer = client.converse(**converse_request(self.model_id, request))
        except (ClientError, BotoCoreError) as exc:
            raise ModelUnavailable(f"bedrock: Converse failed ({type(exc).__name__})") from None
        try:
            return parse(answer)
        except (KeyError, TypeError, IndexError):
            raise ModelUnavailable("bedrock: the Converse answer has no message") from None


def converse_request(model_id: str, request: ModelRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "modelId": model_id,
        "system": [{"text": request.system}],
        "messages": wire_messages(request.messages),
        "inferenceConfig": {"temperature": 0.2, "maxTokens": 1024},
    }
    if request.tools:
        body["toolConfig"] = {
            "tools": [
                {
                    "toolSpec": {
                        "name": t.name,
                        "description": t.description,
                        "inputSchema": {"json": t.input_schema},
                    }
                }
                for t in request.tools
            ],
            "toolChoice": {"auto": {}},
        }
    return body


def _blocks(message: Message) -> tuple[str, list[dict[str, Any]]]:
    if message.role == "tool":  # Converse carries tool results in a user message
        result = {
            "toolUseId": message.tool_call_id,
            "content": [{"text": message.content}],
            "status": "error" if message.is_error else "success",
        }
        return "user", [{"toolResult": result}]
    blocks: list[dict[str, Any]] = [{"text": message.content}] if message.content else []
    blocks += [
        {"toolUse": {"toolUseId": c.id, "name": c.name, "input": c.arguments or {}}}
        for c in message.tool_calls
    ]
    return message.role, blocks


def wire_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """Converse wants alternating roles: consecutive blocks of one role are merged into one message."""
    out: list[dict[str, Any]] = []
    for message in messages:
        role, blocks = _blocks(message)
        if not blocks:
            continue
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    return out


def parse(answer: dict[str, Any]) -> ModelReply:
    texts, calls = [], []
    for block in answer["output"]["message"]["content"]:
        if "text" in block:
            texts.append(str(block["text"]))
        elif "toolUse" in block:
            use = block["toolUse"]
            given = use.get("input")
            calls.append(
                ModelToolCall(
                    id=str(use["toolUseId"]),
                    name=str(use["name"]),
                    arguments=given if isinstance(given, dict) else None,
                    raw_arguments=json.dumps(given, ensure_ascii=False),
                )
            )
    return ModelReply(text="\n".join(texts).strip(), tool_calls=tuple(calls))
