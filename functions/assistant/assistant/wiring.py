"""Builds the assistant from settings, once per container: the session store, the shared dispatcher,
and the model adapter the settings name (the key from the environment or from Secrets Manager)."""

from __future__ import annotations

import json

from assistant.offline import OfflinePlanner
from assistant.ports import ChatModel
from assistant.service import AssistantService
from assistant.settings import AssistantSettings
from assistant.store import SessionStore
from cockpit import aws
from cockpit.dispatch.wiring import dispatcher
from cockpit.errors import ConfigurationError
from cockpit.operations import OperationStore
from cockpit.settings import get_settings, per_container


@per_container
def service() -> AssistantService:
    s = get_settings(AssistantSettings)
    return AssistantService(
        SessionStore(s.sessions_table),
        dispatcher(),
        model(s),
        operations=OperationStore(s.operations_table),
        ttl_s=s.session_ttl_s,
        max_steps=s.max_steps,
        offer_limit=s.offer_limit,
    )


def model(s: AssistantSettings) -> ChatModel:
    if s.llm_provider == "offline":
        return OfflinePlanner()
    if s.llm_provider == "bedrock":
        from assistant.bedrock import BedrockConverseModel

        return BedrockConverseModel(s.model())
    from assistant.openai_compat import OpenAICompatibleModel  # httpx is imported only when a model needs it

    return OpenAICompatibleModel(
        s.llm_provider, s.base_url(), s.model(), api_key(s), timeout_s=s.llm_timeout_s
    )


def api_key(s: AssistantSettings) -> str:
    """COCKPIT_LLM_API_KEY when set (local development), else the secret's `api_key`."""
    if s.llm_api_key:
        return s.llm_api_key
    if not s.llm_api_key_secret_arn:
        raise ConfigurationError(
            f"{s.llm_provider} needs COCKPIT_LLM_API_KEY or COCKPIT_LLM_API_KEY_SECRET_ARN"
        )
    raw = aws.client("secretsmanager").get_secret_value(SecretId=s.llm_api_key_secret_arn)["SecretString"]
    try:
        value = json.loads(raw).get("api_key", "")
    except (ValueError, AttributeError):
        value = raw
    if not value and s.llm_base_url == "":
        raise ConfigurationError(f"the secret for {s.llm_provider} holds no api_key")
    return str(value)
