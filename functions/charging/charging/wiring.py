"""Builds the charging service from settings, once per container: the CPO adapter, stores, secrets."""

from __future__ import annotations

import base64
import hmac
import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

from charging.ocpi import OcpiOperator
from charging.ports import ChargePointOperator, ChargingSessions
from charging.sandbox import SandboxOperator
from charging.service import ChargingService
from charging.settings import ChargingSettings
from charging.store import DynamoEvseStates, SessionStore
from cockpit import aws
from cockpit.errors import ConfigurationError, Unauthorized
from cockpit.operations import Operations, OperationStore
from cockpit.partners.signing import pseudonym
from cockpit.payments_client import Payments, PaymentsClient
from cockpit.settings import get_settings, once_per_container, per_container


@once_per_container
def service() -> ChargingService:
    return build(get_settings(ChargingSettings))


def build(
    s: ChargingSettings,
    *,
    cpo: ChargePointOperator | None = None,
    sessions: ChargingSessions | None = None,
    operations: Operations | None = None,
    payments: Payments | None = None,
) -> ChargingService:
    """The charging service the settings describe; each override replaces the part it names (tests).
    Secrets and the public URL are read on first use, never here."""
    return ChargingService(
        cpo=cpo or operator(s),
        sessions=sessions or SessionStore(s.table),
        operations=operations or OperationStore(s.operations_table),
        callback_base=public_base_url,
        payments=payments or PaymentsClient(s.payments_function),
        hold_caps=s.hold_caps,
        pseudonym=lambda sub: pseudonym(subject_key(), cpo_label(s), sub),
    )


def cpo_label(s: ChargingSettings) -> str:
    """Whom the pseudonym is for: one CPO's pseudonyms never match another's, nor a partner's."""
    if s.provider == "sandbox":
        return "cpo:sandbox"
    parts = urlsplit(s.ocpi_version_url)
    return f"cpo:{parts.scheme}://{parts.netloc}"


@per_container
def subject_key() -> bytes:
    """The gateway's pseudonym key, read on the first start (never at cold start)."""
    arn = get_settings(ChargingSettings).subject_secret_arn
    value = aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    return str(json.loads(value)["key"]).encode()


def operator(s: ChargingSettings) -> ChargePointOperator:
    if s.provider == "sandbox":
        return SandboxOperator(DynamoEvseStates(s.table))
    url = s.ocpi_version_url
    if not url:
        raise ConfigurationError("OCPI_VERSION_URL is required when CHARGING_PROVIDER is ocpi")
    if not acceptable_cpo_url(url, dev_mode=s.dev_mode):
        raise ConfigurationError("OCPI_VERSION_URL must be https (loopback http only in development mode)")
    return OcpiOperator(url, str(credentials()["cpo_token"]), timeout_s=s.ocpi_timeout_s, dev_mode=s.dev_mode)


def acceptable_cpo_url(url: str, *, dev_mode: bool) -> bool:
    """https anywhere; plain http only to a loopback address, and only in local development."""
    parsed = urlsplit(url)
    if parsed.scheme == "https" and parsed.hostname:
        return True
    if parsed.scheme != "http" or not dev_mode:
        return False
    try:
        return ipaddress.ip_address(parsed.hostname or "").is_loopback
    except ValueError:
        return parsed.hostname == "localhost"


def check_ocpi_token(authorization: str | None) -> None:
    """A CPO's callback must carry our token (OCPI 2.2: `Authorization: Token <base64(token)>`)."""
    expected = base64.b64encode(str(credentials()["emsp_token"]).encode())
    given = (authorization or "").removeprefix("Token ").strip().encode()
    if not hmac.compare_digest(given, expected):
        raise Unauthorized("a valid OCPI token (Authorization: Token …) is required")


@per_container
def credentials() -> dict[str, Any]:
    """The OCPI credentials secret: emsp_token (the CPO presents it to us), cpo_token (we present it)."""
    arn = get_settings(ChargingSettings).ocpi_secret_arn
    value = aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    found: dict[str, Any] = json.loads(value)
    return found


@per_container
def public_base_url() -> str:
    name = get_settings(ChargingSettings).public_base_url_parameter
    return str(aws.client("ssm").get_parameter(Name=name)["Parameter"]["Value"])
