"""The dispatcher as every caller builds it: the router's direct tool calls and the assistant's model
tool calls share this one wiring (catalog, `lambda:<domain>` targets, idempotency, confirmations)."""

from __future__ import annotations

from pydantic import Field

from cockpit.confirmations import DynamoConfirmationStore
from cockpit.dispatch.core import Dispatcher
from cockpit.dispatch.targets import LambdaTargets
from cockpit.idempotency import DynamoIdempotencyStore
from cockpit.settings import EnvSettings, get_settings, per_container
from cockpit.tools.catalog import first_party


class DispatchSettings(EnvSettings):
    """What dispatch needs: the idempotency table and the domain functions behind `lambda:<domain>`."""

    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    charging_function: str = Field(alias="CHARGING_FUNCTION", min_length=1)

    def functions(self) -> dict[str, str]:
        """Domain → Lambda function name, for `lambda:<domain>` tool targets."""
        return {"charging": self.charging_function}


@per_container
def dispatcher() -> Dispatcher:
    s = get_settings(DispatchSettings)
    return Dispatcher(
        catalog=first_party(),
        targets=LambdaTargets(s.functions()),
        idempotency=DynamoIdempotencyStore(s.idempotency_table),
        confirmations=DynamoConfirmationStore(s.idempotency_table),
    )
