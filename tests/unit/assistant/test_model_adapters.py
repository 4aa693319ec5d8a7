"""The model adapters against recorded response shapes: DashScope's OpenAI-compatible chat completions
(Qwen) over an httpx mock transport, and Bedrock Converse through botocore's Stubber, which also checks
every request against the service's own API model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.stub import Stubber

from assistant import bedrock, openai_compat
from assistant.bedrock import BedrockConverseModel
from assistant.openai_compat import OpenAICompatibleModel
from assistant.ports import Message, ModelRequest, ModelToolCall
from cockpit.errors import ModelUnavailable
from cockpit.tools.catalog import first_party

RECORDED = Path(__file__).parent / "recorded"
TOOLS = [t for t in first_party() if t.name.startswith("charging_")]


def recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / name).read_text())  # type: ignore[no-any-return]


def conversation() -> ModelRequest:
    call = ModelToolCall(
        id="call_1", name="charging_find_stations", arguments={"location": {"lat": 31.2, "lon": 121.4}}
    )
    return ModelRequest(
        system="You are Car Genius.",
        tools=TOOLS,
        messages=[
            Message(role="user", content="find a fast charger"),
            Message(role="assistant", content="", tool_calls=(call,)),
            Message(
                role="tool",
                content='<tool_result tool="charging_find_stations">{}</tool_result>',
                tool_call_id="call_1",
                tool_name="charging_find_stations",
            ),
        ],
    )


def dashscope(answer: httpx.Response, seen: list[httpx.Request]) -> OpenAICompatibleModel:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    return OpenAICompatibleModel(
        "qwen",
        "https://dashscope.aliyuncs.com/compatible-mode/v1",
        "qwen-plus",
        "sk-dash",
        transport=httpx.MockTransport(handle),
    )


def test_dashscope_parallel_tool_calls_are_parsed() -> None:
    seen: list[httpx.Request] = []
    model = dashscope(httpx.Response(200, json=recorded("dashscope_tool_calls.json")), seen)
    reply = model.complete(conversation())
    assert [c.name for c in reply.tool_calls] == ["charging_find_stations", "navigation_search_places"]
    assert reply.tool_calls[0].id == "call_6596dafa2a6a46f7a217da"
    assert reply.tool_calls[0].arguments == {
        "location": {"lat": 31.2304, "lon": 121.4737},
        "min_power_kw": 60,
    }
    assert reply.tool_calls[1].arguments == {"query": "停车场"}
    (sent,) = seen
    assert str(sent.url) == "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-dash"
    body = json.loads(sent.content)
    assert (
        body["model"] == "qwen-plus" and body["tool_choice"] == "auto" and body["parallel_tool_calls"] is True
    )
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "tool"]
    assert body["messages"][2]["tool_calls"][0]["function"]["arguments"] == json.dumps(
        {"location": {"lat": 31.2, "lon": 121.4}}
    )
    assert body["messages"][3]["tool_call_id"] == "call_1"
    assert {t["function"]["name"] for t in body["tools"]} == {t.name for t in TOOLS}


def test_dashscope_text_answer() -> None:
    reply = dashscope(httpx.Response(200, json=recorded("dashscope_text.json")), []).complete(conversation())
    assert reply.text.startswith("找到3个快充站") and reply.tool_calls == ()


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500, json={"error": {"message": "internal"}}),
        httpx.Response(429, json={"error": {"code": "Throttling"}}),
        httpx.Response(200, json={"unexpected": True}),
        httpx.Response(200, content=b"<html>gateway</html>"),
    ],
    ids=["5xx", "throttled", "not a completion", "not json"],
)
def test_dashscope_failures_are_model_unavailable(answer: httpx.Response) -> None:
    with pytest.raises(ModelUnavailable):
        dashscope(answer, []).complete(conversation())


def test_a_timeout_is_model_unavailable() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    model = OpenAICompatibleModel(
        "qwen", "https://x.example/v1", "qwen-plus", "", transport=httpx.MockTransport(slow)
    )
    with pytest.raises(ModelUnavailable, match="in time"):
        model.complete(conversation())


def test_arguments_that_are_not_an_object_are_kept_raw() -> None:
    doc = recorded("dashscope_tool_calls.json")
    doc["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = "{broken"
    reply = openai_compat.parse(doc)
    assert reply.tool_calls[0].arguments is None and reply.tool_calls[0].raw_arguments == "{broken"


def bedrock_client() -> Any:
    return boto3.client("bedrock-runtime", region_name="us-east-1")


def test_bedrock_converse_tool_use_with_a_validated_request() -> None:
    client = bedrock_client()
    answer = recorded("bedrock_converse_tool_use.json")
    with Stubber(client) as stub:
        stub.add_response("converse", answer, bedrock.converse_request("model-x", conversation()))
        reply = BedrockConverseModel("model-x", client).complete(conversation())
        stub.assert_no_pending_responses()
    assert reply.text == "I'll look for fast chargers near you."
    (call,) = reply.tool_calls
    assert call.id == "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q" and call.arguments == {
        "location": {"lat": 31.2304, "lon": 121.4737},
        "min_power_kw": 60,
    }
    sent = bedrock.converse_request("model-x", conversation())
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "user"]
    assert sent["messages"][2]["content"][0]["toolResult"]["toolUseId"] == "call_1"
    assert sent["toolConfig"]["toolChoice"] == {"auto": {}}


def test_bedrock_text_and_errors() -> None:
    client = bedrock_client()
    with Stubber(client) as stub:
        stub.add_response("converse", recorded("bedrock_converse_text.json"))
        stub.add_client_error("converse", "ThrottlingException", http_status_code=429)
        model = BedrockConverseModel("model-x", client)
        assert model.complete(conversation()).text == "The nearest fast charger is 1.2 km away."
        with pytest.raises(ModelUnavailable):
            model.complete(conversation())


def test_consecutive_tool_results_share_one_user_message() -> None:
    results = [Message(role="tool", content="r", tool_call_id=f"c{i}", tool_name="t") for i in range(2)]
    wire = bedrock.wire_messages([Message(role="user", content="hi"), *results])
    assert [m["role"] for m in wire] == ["user"] and len(wire[0]["content"]) == 3
