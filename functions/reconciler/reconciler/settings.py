from __future__ import annotations

from pydantic import Field

from cockpit.settings import EnvSettings


class ReconcilerSettings(EnvSettings):
    audit_table: str = Field(alias="RECONCILER_AUDIT_TABLE", min_length=1)
    payments_function: str = Field(alias="PAYMENTS_FUNCTION", min_length=1)
    booking_function: str = Field(alias="BOOKING_FUNCTION", min_length=1)
    charging_function: str = Field(alias="CHARGING_FUNCTION", min_length=1)
    # how long a record must have been stuck before it is settled (template parameter ReconcileAfterSeconds)
    older_than_s: int = Field(alias="RECONCILE_AFTER_SECONDS", ge=60, le=7 * 24 * 3600)

    def domains(self) -> dict[str, str]:
        """Domain → function, in the order they are settled: payments first, so that a payment stuck in
        `processing` is settled before booking or charging try to void or capture it."""
        return {
            "payments": self.payments_function,
            "booking": self.booking_function,
            "charging": self.charging_function,
        }
