"""A whole turn on Bedrock Converse (boto3's own client, stubbed with recorded answers): botocore checks
each request against the Converse API model — tool specs, toolUse and toolResult blocks — on a real loop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from assistant.settings import AssistantSettings
from cockpit import aws
from cockpit_dev.template import Template
from tests.functional.assistant.conftest import new_session, ok, turn

RECORDED = Path(__file__).parents[2] / "unit" / "assistant" / "recorded"


def bedrock_client() -> Any:
    """The container's Bedrock client the model calls: its read timeout is LlmTimeoutSeconds."""
    return aws.client_within("bedrock-runtime", "bedrock", AssistantSettings.from_env().llm_timeout_s)


def test_a_turn_on_bedrock_converse(gateway: Template, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_LLM_PROVIDER", "bedrock")
    monkeypatch.setenv("COCKPIT_LLM_MODEL", "amazon.nova-lite-v1:0")
    sid = new_session()
    client = bedrock_client()
    with Stubber(client) as stub:
        stub.add_response("converse", json.loads((RECORDED / "bedrock_converse_tool_use.json").read_text()))
        stub.add_response("converse", json.loads((RECORDED / "bedrock_converse_text.json").read_text()))
        out = ok(turn(sid, text="find a fast charger"))
        stub.assert_no_pending_responses()
    assert out["reply"] == "The nearest fast charger is 1.2 km away."
    assert out["model"] == {"provider": "bedrock", "fallback": False, "reason": None, "steps": 2}
    (call,) = out["tool_calls"]
    assert call["name"] == "charging_find_stations" and call["status"] == "succeeded"


def test_bedrock_throttling_falls_back_offline(gateway: Template, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_LLM_PROVIDER", "bedrock")
    sid = new_session()
    with Stubber(bedrock_client()) as stub:
        stub.add_client_error("converse", "ThrottlingException", http_status_code=429)
        out = ok(turn(sid, text="find a fast charger"))
    assert out["model"]["fallback"] is True and "ThrottlingException" in out["model"]["reason"]
    assert out["tool_calls"][0]["name"] == "charging_find_stations" and "I found" in out["reply"]
