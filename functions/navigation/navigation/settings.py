from __future__ import annotations

from typing import Literal

from pydantic import Field

from cockpit.settings import EnvSettings


class NavigationSettings(EnvSettings):
    table: str = Field(alias="NAVIGATION_TABLE", min_length=1)
    charging_function: str = Field(alias="CHARGING_FUNCTION", min_length=1)
    routing_provider: Literal["sandbox", "amap", "osrm"] = Field(alias="NAVIGATION_ROUTING_PROVIDER")
    places_provider: Literal["sandbox", "amap"] = Field(alias="NAVIGATION_PLACES_PROVIDER")
    amap_base_url: str = Field(default="https://restapi.amap.com", alias="AMAP_BASE_URL")
    amap_secret_arn: str = Field(alias="AMAP_SECRET_ARN", min_length=1)
    osrm_base_url: str = Field(default="https://router.project-osrm.org", alias="OSRM_BASE_URL")
    timeout_s: float = Field(default=4.0, gt=0, le=10, alias="NAVIGATION_TIMEOUT_SECONDS")
    dev_mode: bool = Field(default=False, alias="COCKPIT_DEV_MODE")
