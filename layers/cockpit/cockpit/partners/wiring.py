"""One way to assemble partner dispatch, shared by every function that dispatches tool calls (the router
and the assistant): the merged catalog and the targets for `lambda:` and `partner:` tools.

The HTTP side (httpx, the pinned transport, auth, signing) is imported on the first partner call only,
so a container that serves only first-party tools never pays for it at cold start.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from cockpit.dispatch.targets import Target, Targets
from cockpit.partners.catalog import PartnerCatalog

if TYPE_CHECKING:
    from cockpit.partners.target import PartnerCaller, PartnerTarget


def partner_caller(*, subject_secret_arn: str, dev_mode: bool) -> PartnerCaller:
    """The per-container caller: one pinned HTTP client (keep-alive), secrets and tokens cached, breakers."""
    from cockpit.partners.auth import OutboundAuthenticator
    from cockpit.partners.secrets import SecretsManagerReader
    from cockpit.partners.target import PartnerCaller
    from cockpit.partners.transport import pinned_client

    client = pinned_client(dev_mode=dev_mode)
    secrets = SecretsManagerReader()
    return PartnerCaller(
        client=client,
        secrets=secrets,
        authenticator=OutboundAuthenticator(secrets, client, dev_mode=dev_mode),
        subject_key=lambda: secrets.field(subject_secret_arn, "key").encode(),
        dev_mode=dev_mode,
    )


class _PartnerTargets:
    """`partner:<contract>` targets, built on the first partner call."""

    def __init__(self, catalog: PartnerCatalog, caller: Callable[[], PartnerCaller]) -> None:
        self._catalog = catalog
        self._caller = caller
        self._target: PartnerTarget | None = None

    def bound(self, contract_id: str) -> Target:
        if self._target is None:
            from cockpit.partners.target import PartnerTarget

            self._target = PartnerTarget(self._catalog.take, self._caller)
        return self._target.bound(contract_id)


def targets(
    functions: Mapping[str, str],
    catalog: PartnerCatalog,
    caller: Callable[[], PartnerCaller],
    gateway: Mapping[str, Target] | None = None,
) -> Targets:
    """`lambda:<domain>` to the domain functions, `partner:<contract>` to the partner target, which
    takes each call's binding from the catalog that just read it, `gateway:<name>` to `gateway`."""
    return Targets(functions, _PartnerTargets(catalog, caller), gateway)
