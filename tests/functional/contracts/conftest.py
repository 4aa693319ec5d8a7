"""The contracts function in-process over moto (tables, bucket and secrets made from template.yaml).
Partner host names resolve through a fixed table (no DNS in tests), the way the SSRF guard's resolver
port allows."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import boto3
import pytest

from cockpit.partners.registry import DynamoPartnerTools
from cockpit_dev.template import Template
from registry.handler import lambda_handler
from tests.support import events as ev
from tests.support.aws import aws_from_template, snapshot
from tests.support.openapi_docs import example
from tests.support.wiring import wire

PARTNER, OTHER_PARTNER, ADMIN = "partner-acme", "partner-rival", "ops-admin"
HOSTS = {
    "api.acme-parking.example": ["93.184.215.14"],
    "auth.acme-parking.example": ["93.184.215.15"],
    "api.sparkle.example": ["93.184.215.16"],
    "intranet.acme-parking.example": ["10.20.30.40"],
}


def resolve(host: str, _port: int) -> Sequence[str]:
    if host not in HOSTS:
        raise OSError(f"{host} does not resolve")
    return HOSTS[host]


def _wire(template: Template) -> Template:
    wire("registry", resolve=resolve)
    return template


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Template]:
    """A deployed gateway: new versions wait for an admin's approval."""
    with aws_from_template(monkeypatch, "ContractsFunction") as template:
        yield _wire(template)


@pytest.fixture
def dev(monkeypatch: pytest.MonkeyPatch) -> Iterator[Template]:
    """Local development mode: new versions are approved at once."""
    with aws_from_template(
        monkeypatch, "ContractsFunction", parameters={"DevelopmentMode": "true"}
    ) as template:
        yield _wire(template)


def call(
    method: str, resource: str, *, role: str = "partner", sub: str = PARTNER, **kw: Any
) -> dict[str, Any]:
    kw.setdefault("headers", {"Content-Type": "application/json"})
    return lambda_handler(ev.api(method, resource, role=role, sub=sub, **kw), None)


def register(
    body: dict[str, Any], *, sub: str = PARTNER, query: dict[str, str] | None = None
) -> dict[str, Any]:
    return call("POST", "/v1/contracts", body=body, sub=sub, query=query)


def item(method: str, contract_id: str, suffix: str = "", **kw: Any) -> dict[str, Any]:
    return call(
        method, "/v1/contracts/{contract_id}" + suffix, path_params={"contract_id": contract_id}, **kw
    )


def parking(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "namespace": "acme_parking",
        "display_name": "ACME Parking",
        "openapi": example("acme-parking.openapi.yaml"),
        "base_url": "https://api.acme-parking.example/v2",
        "auth": {"type": "api_key", "in": "header", "name": "X-Api-Key", "value": "ak_live_7Hq2pXz9"},
        "confirmation_required": ["createReservation"],
        "timeout_ms": 2500,
    }
    body.update(overrides)
    return body


def catalog(template: Template) -> DynamoPartnerTools:
    return DynamoPartnerTools(template.functions["ContractsFunction"].environment["CONTRACTS_TABLE"])


def stored(template: Template) -> dict[str, Any]:
    """Everything the registry could have written: table items, document versions, secrets."""
    bucket = template.functions["ContractsFunction"].environment["CONTRACTS_BUCKET"]
    objects = boto3.client("s3").list_object_versions(Bucket=bucket).get("Versions", [])
    names = [s["Name"] for s in boto3.client("secretsmanager").list_secrets()["SecretList"]]
    return {"tables": snapshot(template), "objects": [o["Key"] for o in objects], "secrets": sorted(names)}


@pytest.fixture
def nothing_stored(deployed: Template) -> Iterator[Callable[[], None]]:
    before = stored(deployed)

    def check() -> None:
        assert stored(deployed) == before

    yield check
    check()


def problem(answer: dict[str, Any], status: int, slug: str) -> dict[str, Any]:
    assert answer["statusCode"] == status, answer["body"]
    assert answer["headers"]["Content-Type"] == "application/problem+json"
    doc: dict[str, Any] = json.loads(answer["body"])
    assert doc["type"] == f"https://cockpit-gateway.dev/problems/{slug}" and doc["status"] == status
    return doc
