"""The dispatcher as every caller builds it: the router's direct tool calls and the assistant's model
tool calls share this one wiring (the merged catalog, `lambda:<domain>` and `partner:<contract>` targets,
idempotency, confirmations)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, Json

from cockpit.confirmations import DynamoConfirmationStore
from cockpit.dispatch.core import Dispatcher, TargetResolver
from cockpit.dispatch.targets import Targets
from cockpit.idempotency import DynamoIdempotencyStore
from cockpit.operations import OperationsTarget, OperationStore
from cockpit.partners import wiring as partner_wiring
from cockpit.partners.catalog import PartnerCatalog
from cockpit.partners.model import PartnerToolSource
from cockpit.ratelimit import DynamoRateLimiter, RateLimiter, RateLimits
from cockpit.settings import EnvSettings, get_settings, once_per_container, per_container
from cockpit.tools.catalog import Catalog, first_party

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


def build(
    settings: DispatchSettings,
    *,
    partner_source: PartnerToolSource | None = None,
    tools: Catalog | None = None,
    targets: TargetResolver | None = None,
    limiter: RateLimiter | None = None,
) -> Dispatcher:
    """The dispatcher from its settings; tests and the bench pass their own partner registry, first-party
    tools, targets or rate limiter (`dispatcher.override(lambda: build(settings, partner_source=...))`)
    instead of patching modules."""
    s = settings
    if partner_source is None:
        from cockpit.partners.registry import DynamoPartnerTools

        partner_source = DynamoPartnerTools(s.contracts_table)
    return Dispatcher(
        # first-party tools plus the active partner tools, read fresh on every listing and lookup; a
        # partner tool resolves bound to the container's partner caller
        catalog=PartnerCatalog(tools or first_party(), partner_source, partner_caller),
        targets=targets
        or Targets(
            s.functions(), gateway={"operations": OperationsTarget(OperationStore(s.operations_table))}
        ),
        idempotency=DynamoIdempotencyStore(s.idempotency_table, lock_s=s.write_lock_s),
        confirmations=DynamoConfirmationStore(s.idempotency_table),
        limiter=limiter or DynamoRateLimiter(s.idempotency_table, s.rate_limits),
    )


@once_per_container
def dispatcher() -> Dispatcher:
    return build(get_settings(DispatchSettings))


def catalog() -> PartnerCatalog:
    """The catalog the container's dispatcher resolves with (listings read the same one)."""
    found = dispatcher().catalog
    if not isinstance(found, PartnerCatalog):  # build() makes one; an override must too
        raise TypeError(f"the dispatcher's catalog is a {type(found).__name__}, not a PartnerCatalog")
    return found


@per_container
def partner_caller() -> PartnerCaller:
    s = get_settings(DispatchSettings)
    return partner_wiring.partner_caller(subject_secret_arn=s.partner_subject_secret_arn, dev_mode=s.dev_mode)
