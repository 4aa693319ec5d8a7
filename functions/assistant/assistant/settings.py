from __future__ import annotations

from typing import Literal

from pydantic import Field

from cockpit.settings import EnvSettings

DASHSCOPE_URL = "https://dashscope.aliyuncs.com/compatible-mode/v1"  # mainland China; intl: dashscope-intl
DEFAULT_MODELS = {
    "qwen": "qwen-plus",
    "openai": "gpt-4o-mini",
    "bedrock": "anthropic.claude-3-haiku-20240307-v1:0",
}


class AssistantSettings(EnvSettings):
    sessions_table: str = Field(alias="SESSIONS_TABLE", min_length=1)
    operations_table: str = Field(alias="OPERATIONS_TABLE", min_length=1)
    session_ttl_s: int = Field(default=1800, ge=60, le=86_400, alias="SESSION_TTL_SECONDS")
    llm_provider: Literal["qwen", "openai", "bedrock", "offline"] = Field(
        default="offline", alias="COCKPIT_LLM_PROVIDER"
    )
    llm_base_url: str = Field(default="", alias="COCKPIT_LLM_BASE_URL")
    llm_model: str = Field(default="", alias="COCKPIT_LLM_MODEL")
    # The key itself (local development), or the Secrets Manager secret holding {"api_key": ...} (deployed).
    llm_api_key: str = Field(default="", alias="COCKPIT_LLM_API_KEY")
    llm_api_key_secret_arn: str = Field(default="", alias="COCKPIT_LLM_API_KEY_SECRET_ARN")
    llm_timeout_s: float = Field(default=8.0, gt=0, le=25, alias="COCKPIT_LLM_TIMEOUT_SECONDS")
    max_steps: int = Field(default=4, ge=1, le=8, alias="ASSISTANT_MAX_STEPS")
    offer_limit: int = Field(default=12, ge=1, le=64, alias="ASSISTANT_OFFER_LIMIT")

    def base_url(self) -> str:
        if self.llm_base_url:
            return self.llm_base_url.rstrip("/")
        return DASHSCOPE_URL if self.llm_provider == "qwen" else "https://api.openai.com/v1"

    def model(self) -> str:
        return self.llm_model or DEFAULT_MODELS.get(self.llm_provider, "")
