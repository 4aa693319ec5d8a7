"""One way to assemble the partner caller, shared by every function that dispatches tool calls (the router
and the assistant): the merged catalog binds each partner tool it resolves to it.

The HTTP side (httpx, the pinned transport, auth, signing) is imported on the first partner call only,
so a container that serves only first-party tools never pays for it at cold start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cockpit.partners.target import PartnerCaller


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
