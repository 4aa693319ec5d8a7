from __future__ import annotations

from pydantic import Field

from cockpit.settings import EnvSettings


class RouterSettings(EnvSettings):
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    operations_table: str = Field(alias="OPERATIONS_TABLE", min_length=1)
    charging_function: str = Field(alias="CHARGING_FUNCTION", min_length=1)
    navigation_function: str = Field(alias="NAVIGATION_FUNCTION", min_length=1)
    booking_function: str = Field(alias="BOOKING_FUNCTION", min_length=1)

    def functions(self) -> dict[str, str]:
        """Domain → Lambda function name, for `lambda:<domain>` tool targets."""
        return {
            "charging": self.charging_function,
            "navigation": self.navigation_function,
            "booking": self.booking_function,
        }
