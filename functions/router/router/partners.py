"""The router's partner wiring, once per container: the registry's read side and the partner caller."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.partners.model import PartnerToolSource
from cockpit.partners.wiring import NoPartnerTools, partner_caller
from cockpit.settings import get_settings, per_container
from router.settings import RouterSettings

if TYPE_CHECKING:
    from cockpit.partners.target import PartnerCaller


@per_container
def source() -> PartnerToolSource:
    """The registry's read side. Until the contracts function's DynamoDB source is wired in here (it
    reads CONTRACTS_TABLE), the router serves first-party tools only."""
    return NoPartnerTools()


@per_container
def caller() -> PartnerCaller:
    s = get_settings(RouterSettings)
    return partner_caller(subject_secret_arn=s.partner_subject_secret_arn, dev_mode=s.dev_mode)
