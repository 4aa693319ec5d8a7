"""One deadline per invocation, from the Lambda context, bounds every outbound call."""

from __future__ import annotations

import httpx
import pytest

from cockpit import aws, deadline
from cockpit.errors import UpstreamTimeout
from navigation.http import get_json


class Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_without_a_context_every_call_keeps_its_own_timeout() -> None:
    deadline.start(None)
    assert deadline.remaining() is None
    assert deadline.budget(8.0, "the model") == 8.0


def test_a_call_gets_what_the_invocation_has_left_less_the_time_to_answer() -> None:
    deadline.start(Context(10_000))
    assert deadline.budget(5.0, "the CPO") == 5.0
    left = deadline.budget(30.0, "charging")
    assert 10.0 - deadline.RESERVE_S - 0.2 < left <= 10.0 - deadline.RESERVE_S


def test_with_too_little_left_the_call_is_not_made_and_the_problem_names_it() -> None:
    deadline.start(Context(int((deadline.RESERVE_S + deadline.MIN_CALL_S) * 1000) - 100))
    with pytest.raises(UpstreamTimeout, match="OCPI start: no time left") as refused:
        deadline.budget(5.0, "OCPI start")
    assert refused.value.status == 504


def test_lambda_invoke_read_timeout_fits_the_time_left() -> None:
    deadline.start(Context(60_000))
    assert aws.client_within("lambda", "charging").meta.config.read_timeout == 30.0
    deadline.start(Context(4_000))  # 3.5 s to use: whole seconds, never more than is left
    assert aws.client_within("lambda", "charging").meta.config.read_timeout == 3.0
    deadline.start(Context(1_000))
    with pytest.raises(UpstreamTimeout, match="charging"):
        aws.client_within("lambda", "charging")


def test_a_map_provider_waits_only_what_is_left() -> None:
    seen: list[dict[str, float]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json={"ok": True})

    client = httpx.Client(transport=httpx.MockTransport(answer))
    deadline.start(Context(2_500))  # 2 s to use, under the provider's 4 s
    assert get_json(client, "https://maps.example/route", {}, timeout_s=4.0, what="OSRM route") == {
        "ok": True
    }
    assert 1.5 < seen[0]["read"] <= 2.0
    deadline.start(Context(1_200))
    with pytest.raises(UpstreamTimeout, match="OSRM route"):
        get_json(client, "https://maps.example/route", {}, timeout_s=4.0, what="OSRM route")
    assert len(seen) == 1  # nothing was sent the second time


def test_the_model_gets_what_the_turn_has_left_and_none_when_nothing_is() -> None:
    from assistant.openai_compat import OpenAICompatibleModel
    from assistant.ports import Message, ModelRequest
    from cockpit.errors import ModelUnavailable

    seen: list[dict[str, float]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json={"choices": [{"message": {"role": "assistant", "content": "hi"}}]})

    model = OpenAICompatibleModel(
        "qwen",
        "https://llm.example/v1",
        "qwen-plus",
        "sk",
        timeout_s=8.0,
        transport=httpx.MockTransport(answer),
    )
    request = ModelRequest(system="s", messages=[Message(role="user", content="hello")], tools=[])
    deadline.start(Context(3_500))  # 3 s left, under the model's 8 s
    assert model.complete(request).text == "hi"
    assert 2.5 < seen[0]["read"] <= 3.0
    deadline.start(Context(1_000))
    with pytest.raises(ModelUnavailable, match="no time left"):  # the offline planner answers instead
        model.complete(request)
    assert len(seen) == 1


def test_stripe_is_not_asked_without_time_and_the_payment_stays_unknown() -> None:
    from cockpit.money import Money
    from payments.ports import ChargeRequest, PaymentMethod, ProcessorUnknown
    from payments.stripe import StripeProcessor

    seen: list[httpx.Request] = []
    client = httpx.Client(transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(500)))
    stripe = StripeProcessor("sk_test_x", base_url="https://api.stripe.com", timeout_s=8, client=client)
    card = PaymentMethod(id="pm_card_visa", type="card", brand="Visa", last4="4242", default=True)
    charge = ChargeRequest(
        payment_id="pay_0123456789abcdef01234567",
        amount=Money(amount=4550, currency="CNY"),
        method=card,
        capture="manual",
        description="d",
        idempotency_key="pay_0123456789abcdef01234567-charge",
    )
    deadline.start(Context(900))
    with pytest.raises(ProcessorUnknown) as unknown:
        stripe.charge(charge)
    assert unknown.value.timed_out is True  # asked again later under the same key: never charged twice
    assert seen == []


def test_bedrock_waits_llm_timeout_seconds_or_what_the_turn_has_left(monkeypatch: pytest.MonkeyPatch) -> None:
    """LlmTimeoutSeconds bounds a Bedrock Converse call as it does an OpenAI-compatible one (Bedrock used
    the client's fixed 15 s whatever the parameter said)."""
    from assistant.settings import AssistantSettings
    from assistant.wiring import model_for

    settings = AssistantSettings.from_env(
        {
            "SESSIONS_TABLE": "sessions",
            "OPERATIONS_TABLE": "operations",
            "COCKPIT_LLM_PROVIDER": "bedrock",
            "COCKPIT_LLM_MODEL": "anthropic.claude-3-5-haiku-20241022-v1:0",
            "COCKPIT_LLM_TIMEOUT_SECONDS": "6",
        }
    )
    model = model_for(settings)
    timeouts: list[float] = []

    class Client:
        def __init__(self, read_timeout: float) -> None:
            timeouts.append(read_timeout)

        def converse(self, **_: object) -> dict[str, object]:
            return {"output": {"message": {"role": "assistant", "content": [{"text": "hi"}]}}}

    real = aws.client_within
    monkeypatch.setattr(aws, "client_within", lambda *a: Client(real(*a).meta.config.read_timeout))
    from assistant.ports import Message, ModelRequest

    request = ModelRequest(system="s", messages=[Message(role="user", content="hello")], tools=[])
    deadline.start(Context(60_000))
    assert model.complete(request).text == "hi"
    deadline.start(Context(4_000))  # 3.5 s left, under the parameter's 6 s: whole seconds
    model.complete(request)
    assert timeouts == [6.0, 3.0]
