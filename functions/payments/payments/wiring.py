"""Builds the payments service from settings, once per container: processor, methods, store, secret."""

from __future__ import annotations

import json

from cockpit import aws
from cockpit.errors import ConfigurationError
from cockpit.settings import get_settings, per_container
from payments.ports import Processor
from payments.sandbox import SandboxMethods, SandboxProcessor
from payments.service import PaymentsService
from payments.settings import PaymentsSettings
from payments.store import PaymentStore
from payments.stripe import StripeProcessor


@per_container
def service() -> PaymentsService:
    s = get_settings(PaymentsSettings)
    return PaymentsService(
        processor=processor(s),
        methods=SandboxMethods(),
        store=PaymentStore(s.table),
        limits=s.limits,
        lock_s=max(1, s.write_lock_s // 2),  # a processor call (≤ 25 s) inside the dispatcher's lock
    )


def processor(s: PaymentsSettings) -> Processor:
    if s.processor == "sandbox":
        return SandboxProcessor()
    from cockpit.partners.netguard import url_refusal  # the one URL rule; only when Stripe is used

    why = url_refusal(s.stripe_api_base, dev_mode=False)  # payments has no development mode
    if why:
        raise ConfigurationError(f"STRIPE_API_BASE must be https: {why}")
    return StripeProcessor(secret_key(), base_url=s.stripe_api_base, timeout_s=s.timeout_s)


@per_container
def secret_key() -> str:
    """The processor's secret key, from Secrets Manager ({"stripe_secret_key": "sk_..."}); never logged."""
    arn = get_settings(PaymentsSettings).secret_arn
    value = json.loads(aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    key = str(value.get("stripe_secret_key", ""))
    if not key.startswith(("sk_", "rk_")):
        raise ConfigurationError("the payments secret holds no Stripe secret key (stripe_secret_key)")
    return key
