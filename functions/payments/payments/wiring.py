"""Builds the payments service from settings, once per container: processor, methods, store, secret."""

from __future__ import annotations

import json

from cockpit import aws
from cockpit.errors import ConfigurationError
from cockpit.settings import get_settings, once_per_container, per_container
from payments.ports import MethodDirectory, PaymentRecords, Processor
from payments.sandbox import SandboxMethods, SandboxProcessor
from payments.service import PaymentsService
from payments.settings import PaymentsSettings
from payments.store import PaymentStore
from payments.stripe import StripeProcessor


@once_per_container
def service() -> PaymentsService:
    return build(get_settings(PaymentsSettings))


def build(
    s: PaymentsSettings,
    *,
    processor: Processor | None = None,
    methods: MethodDirectory | None = None,
    store: PaymentRecords | None = None,
) -> PaymentsService:
    """The payments service the settings describe; each override replaces the part it names (tests)."""
    return PaymentsService(
        processor=processor or processor_for(s),
        methods=methods or SandboxMethods(),
        store=store or PaymentStore(s.table),
        limits=s.limits,
        lock_s=max(1, s.write_lock_s // 2),  # a processor call (≤ 25 s) inside the dispatcher's lock
    )


def processor_for(s: PaymentsSettings) -> Processor:
    if s.processor == "sandbox":
        return SandboxProcessor()
    if not s.stripe_api_base.startswith("https://"):
        raise ConfigurationError("STRIPE_API_BASE must be https")
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
