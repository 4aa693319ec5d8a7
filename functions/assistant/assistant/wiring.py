"""Builds the assistant from settings, once per container: the session store, the shared dispatcher,
the offline planner, and the model adapter the settings name (the key from the environment or from
Secrets Manager). `build` is the one place the parts are chosen; tests pass theirs as overrides."""

from __future__ import annotations

import json

from assistant.offline import OfflinePlanner
from assistant.ports import ChatModel, Sessions
from assistant.service import AssistantService
from assistant.settings import AssistantSettings
from assistant.store import SessionStore
from cockpit import aws
from cockpit.dispatch import wiring as dispatch_wiring
from cockpit.dispatch.core import Dispatcher
from cockpit.errors import ConfigurationError
from cockpit.operations import Operations, OperationStore
from cockpit.settings import get_settings, once_per_container


@once_per_container
def service() -> AssistantService:
    return build(get_settings(AssistantSettings))


def build(
    s: AssistantSettings,
    *,
    sessions: Sessions | None = None,
    dispatcher: Dispatcher | None = None,
    model: ChatModel | None = None,
    operations: Operations | None = None,
) -> AssistantService:
    """The assistant the settings describe; each override replaces the part it names (tests)."""
    planner = OfflinePlanner()  # every turn's fallback; the model itself when the settings say offline
    return AssistantService(
        sessions or SessionStore(s.sessions_table),
        dispatcher or dispatch_wiring.dispatcher(),
        model or model_for(s, planner),
        operations=operations or OperationStore(s.operations_table),
        ttl_s=s.session_ttl_s,
        max_steps=s.max_steps,
        offer_limit=s.offer_limit,
        fallback=planner,
    )


def model_for(s: AssistantSettings, planner: OfflinePlanner | None = None) -> ChatModel:
    if s.llm_provider == "offline":
        return planner or OfflinePlanner()
    if s.llm_provider == "bedrock":
        from assistant.bedrock import BedrockConverseModel

        return BedrockConverseModel(s.model(), timeout_s=s.llm_timeout_s)
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
