from __future__ import annotations

from pydantic import Field

from cockpit.settings import EnvSettings


class AuthorizerSettings(EnvSettings):
    issuer: str = Field(alias="JWT_ISSUER", min_length=1)
    audience: str = Field(alias="JWT_AUDIENCE", min_length=1)
    jwks_json: str = Field(default="", alias="JWKS_JSON")
    jwks_url: str = Field(default="", alias="JWKS_URL")
