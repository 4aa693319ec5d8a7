from __future__ import annotations

from typing import Literal

from pydantic import Field, Json

from cockpit.settings import EnvSettings


class ChargingSettings(EnvSettings):
    table: str = Field(alias="CHARGING_TABLE", min_length=1)
    operations_table: str = Field(alias="OPERATIONS_TABLE", min_length=1)
    provider: Literal["sandbox", "ocpi"] = Field(alias="CHARGING_PROVIDER")
    ocpi_version_url: str = Field(default="", alias="OCPI_VERSION_URL")
    ocpi_timeout_s: float = Field(default=5.0, gt=0, le=10, alias="OCPI_TIMEOUT_SECONDS")
    ocpi_secret_arn: str = Field(alias="OCPI_SECRET_ARN", min_length=1)
    # The gateway's pseudonym key (the one partners' pseudonyms use): the OCPI token uid is its HMAC.
    subject_secret_arn: str = Field(alias="PARTNER_SUBJECT_SECRET_ARN", min_length=1)
    public_base_url_parameter: str = Field(alias="PUBLIC_BASE_URL_PARAMETER", min_length=1)
    dev_mode: bool = Field(default=False, alias="COCKPIT_DEV_MODE")
    payments_function: str = Field(alias="PAYMENTS_FUNCTION", min_length=1)
    # The most a start pre-authorizes, per currency, in minor units: {"CNY": 30000, "EUR": 5000}.
    hold_caps: Json[dict[str, int]] = Field(alias="CHARGING_HOLD_CAPS")
