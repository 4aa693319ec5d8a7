"""The router's partner wiring, once per container: the registry's read side and the partner caller."""

from __future__ import annotations

from cockpit.partners.auth import OutboundAuthenticator
from cockpit.partners.model import PartnerTool, PartnerToolSource
from cockpit.partners.secrets import SecretsManagerReader
from cockpit.partners.target import PartnerCaller
from cockpit.partners.transport import pinned_client
from cockpit.settings import get_settings, per_container
from router.settings import RouterSettings


class NoPartnerTools:
    """The registry's read side until the contracts function's DynamoDB source is wired in here."""

    def active_tools(self) -> list[PartnerTool]:
        return []

    def get(self, name: str) -> PartnerTool | None:
        return None


@per_container
def source() -> PartnerToolSource:
    return NoPartnerTools()


@per_container
def secrets() -> SecretsManagerReader:
    return SecretsManagerReader()


@per_container
def caller() -> PartnerCaller:
    s = get_settings(RouterSettings)
    client = pinned_client(dev_mode=s.dev_mode)
    store = secrets()
    return PartnerCaller(
        client=client,
        secrets=store,
        authenticator=OutboundAuthenticator(store, client, dev_mode=s.dev_mode),
        subject_key=lambda: store.field(s.partner_subject_secret_arn, "key").encode(),
        dev_mode=s.dev_mode,
    )
