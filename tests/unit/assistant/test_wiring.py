"""The model adapter the settings name, and what a misconfiguration says."""

from __future__ import annotations

import pytest

from assistant import wiring
from assistant.bedrock import BedrockConverseModel
from assistant.offline import OfflinePlanner
from assistant.openai_compat import OpenAICompatibleModel
from assistant.settings import AssistantSettings
from cockpit.errors import ConfigurationError


def settings(**env: str) -> AssistantSettings:
    return AssistantSettings.from_env({"SESSIONS_TABLE": "t", "OPERATIONS_TABLE": "o", **env})


def test_offline_is_the_default() -> None:
    assert isinstance(wiring.model_for(settings()), OfflinePlanner)


def test_qwen_defaults_to_dashscope_and_qwen_plus() -> None:
    model = wiring.model_for(settings(COCKPIT_LLM_PROVIDER="qwen", COCKPIT_LLM_API_KEY="sk-1"))
    assert isinstance(model, OpenAICompatibleModel) and model.model == "qwen-plus"
    assert str(model._http.base_url) == "https://dashscope.aliyuncs.com/compatible-mode/v1/"


def test_openai_compatible_with_another_base_url() -> None:
    model = wiring.model_for(
        settings(
            COCKPIT_LLM_PROVIDER="openai",
            COCKPIT_LLM_API_KEY="k",
            COCKPIT_LLM_BASE_URL="http://127.0.0.1:11434/v1/",
            COCKPIT_LLM_MODEL="qwen2.5",
        )
    )
    assert (
        isinstance(model, OpenAICompatibleModel) and model.provider == "openai" and model.model == "qwen2.5"
    )
    assert str(model._http.base_url) == "http://127.0.0.1:11434/v1/"


def test_bedrock_uses_the_model_id() -> None:
    model = wiring.model_for(
        settings(COCKPIT_LLM_PROVIDER="bedrock", COCKPIT_LLM_MODEL="amazon.nova-lite-v1:0")
    )
    assert isinstance(model, BedrockConverseModel) and model.model_id == "amazon.nova-lite-v1:0"


def test_a_hosted_model_without_a_key_or_secret_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="COCKPIT_LLM_API_KEY"):
        wiring.model_for(settings(COCKPIT_LLM_PROVIDER="qwen"))


def test_unknown_provider_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="COCKPIT_LLM_PROVIDER"):
        settings(COCKPIT_LLM_PROVIDER="gpt")
