from __future__ import annotations

from pydantic import Field

from cockpit.settings import EnvSettings


class RouterSettings(EnvSettings):
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    operations_table: str = Field(alias="OPERATIONS_TABLE", min_length=1)
    charging_function: str = Field(alias="CHARGING_FUNCTION", min_length=1)
    navigation_function: str = Field(alias="NAVIGATION_FUNCTION", min_length=1)
    booking_function: str = Field(alias="BOOKING_FUNCTION", min_length=1)
    # The gateway's key for the pseudonymous subject partners see (Secrets Manager: {"key": "..."}).
    partner_subject_secret_arn: str = Field(alias="PARTNER_SUBJECT_SECRET_ARN", min_length=1)
    dev_mode: bool = Field(default=False, alias="COCKPIT_DEV_MODE")

    def functions(self) -> dict[str, str]:
        """Domain → Lambda function name, for `lambda:<domain>` tool targets."""
        return {
            "charging": self.charging_function,
            "navigation": self.navigation_function,
            "booking": self.booking_function,
        }
