from __future__ import annotations

from pydantic import Field

from cockpit.settings import EnvSettings


class RouterSettings(EnvSettings):
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    operations_table: str = Field(alias="OPERATIONS_TABLE", min_length=1)
    charging_function: str = Field(alias="CHARGING_FUNCTION", min_length=1)
    payments_function: str = Field(alias="PAYMENTS_FUNCTION", min_length=1)

    def functions(self) -> dict[str, str]:
        """Domain → Lambda function name, for `lambda:<domain>` tool targets."""
        return {"charging": self.charging_function, "payments": self.payments_function}
