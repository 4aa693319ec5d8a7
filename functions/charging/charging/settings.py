from __future__ import annotations

from typing import Literal

from pydantic import Field

from cockpit.settings import EnvSettings


class ChargingSettings(EnvSettings):
    table: str = Field(alias="CHARGING_TABLE", min_length=1)
    operations_table: str = Field(alias="OPERATIONS_TABLE", min_length=1)
    provider: Literal["sandbox", "ocpi"] = Field(alias="CHARGING_PROVIDER")
    ocpi_version_url: str = Field(default="", alias="OCPI_VERSION_URL")
    ocpi_timeout_s: float = Field(default=5.0, gt=0, le=10, alias="OCPI_TIMEOUT_SECONDS")
    ocpi_secret_arn: str = Field(alias="OCPI_SECRET_ARN", min_length=1)
    public_base_url_parameter: str = Field(alias="PUBLIC_BASE_URL_PARAMETER", min_length=1)
    dev_mode: bool = Field(default=False, alias="COCKPIT_DEV_MODE")
