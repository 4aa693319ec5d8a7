"""`cockpit chat` / `cockpit demo` printing, and the model settings `cockpit run` takes from the shell."""

from __future__ import annotations

import json

import httpx
import pytest

from cockpit_dev.cli import parser
from cockpit_dev.conversation import Conversation, converse
from cockpit_dev.runtime import local_parameters


def test_a_conversation_is_printed_turn_by_turn() -> None:
    said: list[str] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/sessions":
            return httpx.Response(201, json={"session_id": "ses_1", "expires_at": "2026-01-01T00:00:00Z"})
        text = json.loads(request.content)["text"]
        said.append(text)
        if text == "boom":
            return httpx.Response(422, json={"status": 422, "detail": "text is empty"})
        return httpx.Response(
            200,
            json={
                "reply": "Start? Say yes to go ahead, or no to cancel.",
                "agent": "Car Genius",
                "tool_calls": [{"name": "charging_start_session", "status": "confirmation_required"}],
                "pending_confirmation": {"tool": "charging_start_session"},
                "model": {"fallback": True},
            },
        )

    out: list[str] = []
    with httpx.Client(base_url="http://gateway.test", transport=httpx.MockTransport(gateway)) as http:
        talk = Conversation(http, "t")
        assert talk.start("en-US", {}) == "ses_1"
        assert converse(talk, ["start charging", "", "boom", "quit", "never sent"], out.append) == 2
    assert said == ["start charging", "boom"]
    assert out[1] == "  · charging_start_session → confirmation_required"
    assert out[3].endswith("< Start? Say yes to go ahead, or no to cancel. (offline fallback)")
    assert out[-1].endswith("< [422] text is empty")


def test_chat_and_demo_are_commands() -> None:
    args = parser().parse_args(["chat", "--locale", "zh-CN", "--keep"])
    assert args.locale == "zh-CN" and args.keep and args.url == "http://127.0.0.1:3000"
    assert parser().parse_args(["demo"]).locale == "en-US"


def test_the_model_settings_come_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_LLM_PROVIDER", "qwen")
    monkeypatch.setenv("COCKPIT_LLM_API_KEY", "sk-local")
    monkeypatch.delenv("COCKPIT_LLM_MODEL", raising=False)
    declared = ["LlmProvider", "LlmModel", "LlmApiKey", "DevelopmentMode"]
    got = local_parameters(declared, 3000, {})
    assert got["LlmProvider"] == "qwen" and got["LlmApiKey"] == "sk-local" and "LlmModel" not in got
    assert local_parameters(declared, 3000, {"LlmProvider": "offline"})["LlmProvider"] == "offline"
