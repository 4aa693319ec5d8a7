"""The dispatcher as every caller builds it: the router's direct tool calls and the assistant's model
tool calls share this one wiring (the merged catalog, `lambda:<domain>` and `partner:<contract>` targets,
idempotency, confirmations)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, Json

from cockpit.confirmations import DynamoConfirmationStore
from cockpit.dispatch.core import Dispatcher
from cockpit.dispatch.targets import Targets
from cockpit.idempotency import DynamoIdempotencyStore
from cockpit.operations import OperationsTarget, OperationStore
from cockpit.partners import wiring as partner_wiring
from cockpit.partners.catalog import PartnerCatalog
from cockpit.partners.model import PartnerToolSource
from cockpit.ratelimit import DynamoRateLimiter, RateLimits
from cockpit.settings import EnvSettings, get_settings, per_container
from cockpit.tools.catalog import first_party

if TYPE_CHECKING:
    from cockpit.partners.target import PartnerCaller


class DispatchSettings(EnvSettings):
    """What dispatch needs: the idempotency table, the domain functions behind `lambda:<domain>`, and the
    gateway's key for the pseudonymous subject partners see (Secrets Manager: {"key": "..."})."""

    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    charging_function: str = Field(alias="CHARGING_FUNCTION", min_length=1)
    navigation_function: str = Field(alias="NAVIGATION_FUNCTION", min_length=1)
    booking_function: str = Field(alias="BOOKING_FUNCTION", min_length=1)
    payments_function: str = Field(alias="PAYMENTS_FUNCTION", min_length=1)
    partner_subject_secret_arn: str = Field(alias="PARTNER_SUBJECT_SECRET_ARN", min_length=1)
    contracts_table: str = Field(alias="CONTRACTS_TABLE", min_length=1)
    operations_table: str = Field(alias="OPERATIONS_TABLE", min_length=1)
    dev_mode: bool = Field(default=False, alias="COCKPIT_DEV_MODE")
    # Token buckets (template parameter ToolRateLimits), kept in the idempotency table.
    rate_limits: Json[RateLimits] = Field(alias="RATE_LIMITS")
    # how long a write holds its Idempotency-Key before a retry may take it over (WriteLockSeconds)
    write_lock_s: int = Field(default=60, ge=1, le=3600, alias="WRITE_LOCK_SECONDS")

    def functions(self) -> dict[str, str]:
        """Domain → Lambda function name, for `lambda:<domain>` tool targets."""
        return {
            "charging": self.charging_function,
            "navigation": self.navigation_function,
            "booking": self.booking_function,
            "payments": self.payments_function,
        }


@per_container
def partner_source() -> PartnerToolSource:
    """The registry's read side: the active contract versions' tools, as the contracts function wrote them."""
    from cockpit.partners.registry import DynamoPartnerTools

    return DynamoPartnerTools(get_settings(DispatchSettings).contracts_table)


@per_container
def catalog() -> PartnerCatalog:
    """First-party tools plus the active partner tools, read fresh on every listing and lookup; a partner
    tool resolves bound to the container's partner caller."""
    return PartnerCatalog(first_party(), partner_source(), partner_caller)


@per_container
def partner_caller() -> PartnerCaller:
    s = get_settings(DispatchSettings)
    return partner_wiring.partner_caller(subject_secret_arn=s.partner_subject_secret_arn, dev_mode=s.dev_mode)


@per_container
def dispatcher() -> Dispatcher:
    s = get_settings(DispatchSettings)
    return Dispatcher(
        catalog=catalog(),
        targets=Targets(
            s.functions(), gateway={"operations": OperationsTarget(OperationStore(s.operations_table))}
        ),
        idempotency=DynamoIdempotencyStore(s.idempotency_table, lock_s=s.write_lock_s),
        confirmations=DynamoConfirmationStore(s.idempotency_table),
        limiter=DynamoRateLimiter(s.idempotency_table, s.rate_limits),
    )
