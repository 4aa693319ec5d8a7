"""A contract's life through the registry API: register, show, list, change, approve, retire — and
what the router's read side (cockpit.partners.registry) serves at each step."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import boto3
import pytest

from cockpit.observability import logger
from cockpit.partners.model import ApiKeyAuth
from cockpit_dev.template import Template
from tests.functional.contracts.conftest import (
    ADMIN,
    OTHER_PARTNER,
    PARTNER,
    call,
    catalog,
    item,
    parking,
    problem,
    register,
)
from tests.support import events as ev

API_KEY = "ak_live_7Hq2pXz9"


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    handler = logger().registered_handler
    old = handler.setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    handler.setStream(old)  # type: ignore[attr-defined]


def secret(arn: str) -> dict[str, str]:
    value: dict[str, str] = json.loads(
        boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    )
    return value


def test_register_approve_change_and_retire_on_a_deployed_gateway(
    deployed: Template, logs: io.StringIO
) -> None:
    created = register(parking())
    assert created["statusCode"] == 201, created["body"]
    answer = ev.body(created)
    contract_id = answer["contract_id"]
    assert answer["version"] == 1 and answer["status"] == "pending_review" and answer["warnings"] == []
    assert [(t["name"], t["effect"], t["requires_confirmation"]) for t in answer["tools"]] == [
        ("acme_parking_search_spots", "read", False),
        ("acme_parking_get_spot", "read", False),
        ("acme_parking_create_reservation", "write", True),
        ("acme_parking_cancel_reservation", "write", True),  # every write asks the driver (issue 14)
    ]
    signing_key = answer["signing"]["key"]
    assert answer["signing"]["algorithm"] == "HMAC-SHA256" and len(signing_key) >= 40
    assert catalog(deployed).active_tools() == []  # waiting for an admin

    shown = item("GET", contract_id)
    text = shown["body"]
    assert shown["statusCode"] == 200 and API_KEY not in text and signing_key not in text
    view = json.loads(text)
    assert view["status"] == "pending_review" and "input_schema" not in view["versions"][0]["tools"][0]
    assert view["versions"][0]["auth"] == {"type": "api_key", "in": "header", "name": "X-Api-Key"}

    problem(item("POST", contract_id, "/approve"), 403, "forbidden")  # partners do not approve
    approved = item("POST", contract_id, "/approve", role="admin", sub=ADMIN)
    assert approved["statusCode"] == 200 and ev.body(approved)["active_version"] == 1
    tools = {t.spec.name: t for t in catalog(deployed).active_tools()}
    assert set(tools) == {t["name"] for t in answer["tools"]}
    create = tools["acme_parking_create_reservation"]
    assert create.spec.target == f"partner:{contract_id}" and create.spec.source == f"partner:{PARTNER}"
    assert create.spec.requires_confirmation and create.operation.timeout_ms == 2500
    assert (
        create.operation.base_url == "https://api.acme-parking.example/v2"
        and create.operation.path == "/reservations"
    )
    assert isinstance(create.operation.auth, ApiKeyAuth) and secret(create.operation.auth.secret_arn) == {
        "value": API_KEY
    }
    assert secret(create.operation.signing_secret_arn) == {"key": signing_key}
    assert catalog(deployed).get("acme_parking_get_spot") == tools["acme_parking_get_spot"]

    v2 = parking(openapi=parking()["openapi"].replace("operationId: getSpot", "operationId: spotDetails"))
    changed = item("PUT", contract_id, body=v2)
    assert changed["statusCode"] == 200 and ev.body(changed)["version"] == 2
    assert ev.body(changed)["status"] == "pending_review" and "signing" not in ev.body(changed)
    serving = catalog(deployed).active_tools()
    assert {t.operation.version for t in serving} == {1} and catalog(deployed).get(
        "acme_parking_spot_details"
    ) is None

    item("POST", contract_id, "/approve", role="admin", sub=ADMIN)
    names = {t.spec.name for t in catalog(deployed).active_tools()}
    assert "acme_parking_spot_details" in names and "acme_parking_get_spot" not in names
    assert {t.operation.version for t in catalog(deployed).active_tools()} == {2}
    versions = {v["version"]: v["status"] for v in ev.body(item("GET", contract_id))["versions"]}
    assert versions == {1: "superseded", 2: "active"}

    retired = item("DELETE", contract_id)
    assert retired["statusCode"] == 204
    assert (
        catalog(deployed).active_tools() == [] and catalog(deployed).get("acme_parking_search_spots") is None
    )
    assert ev.body(item("GET", contract_id))["status"] == "retired"
    problem(item("PUT", contract_id, body=parking()), 409, "conflict")
    assert API_KEY not in logs.getvalue() and signing_key not in logs.getvalue()


def test_development_mode_activates_each_version_at_once(dev: Template) -> None:
    answer = ev.body(register(parking()))
    assert answer["status"] == "active"
    assert len(catalog(dev).active_tools()) == 4
    old_key = catalog(dev).active_tools()[0].operation.auth.secret_arn  # type: ignore[union-attr]
    v2 = parking(operations=["searchSpots", "getSpot"], confirmation_required=[], auth={"type": "none"})
    changed = ev.body(item("PUT", answer["contract_id"], body=v2))
    assert changed["status"] == "active"
    assert sorted(t.spec.name for t in catalog(dev).active_tools()) == [
        "acme_parking_get_spot",
        "acme_parking_search_spots",
    ]
    assert {t.operation.auth.type for t in catalog(dev).active_tools()} == {"none"}
    assert "DeletedDate" in boto3.client("secretsmanager").describe_secret(
        SecretId=old_key
    )  # never used again


def test_a_pending_version_replaced_by_a_newer_one_is_superseded(deployed: Template) -> None:
    contract_id = ev.body(register(parking()))["contract_id"]
    item("PUT", contract_id, body=parking(display_name="ACME v2"))
    item("PUT", contract_id, body=parking(display_name="ACME v3"))
    view = ev.body(item("GET", contract_id))
    assert view["pending_version"] == 3 and view["display_name"] == "ACME v3"
    assert {v["version"]: v["status"] for v in view["versions"]} == {
        1: "superseded",
        2: "superseded",
        3: "pending_review",
    }
    item("POST", contract_id, "/approve", role="admin", sub=ADMIN)
    assert {t.operation.version for t in catalog(deployed).active_tools()} == {3}


def test_approving_again_republishes_and_nothing_pending_is_409(deployed: Template) -> None:
    contract_id = ev.body(register(parking()))["contract_id"]
    assert item("POST", contract_id, "/approve", role="admin", sub=ADMIN)["statusCode"] == 200
    assert item("POST", contract_id, "/approve", role="admin", sub=ADMIN)["statusCode"] == 200
    assert len(catalog(deployed).active_tools()) == 4
    item("DELETE", contract_id, role="admin", sub=ADMIN)
    problem(item("POST", contract_id, "/approve", role="admin", sub=ADMIN), 409, "conflict")


def test_partners_see_their_own_contracts_and_admins_all(deployed: Template) -> None:
    mine = ev.body(register(parking()))["contract_id"]
    theirs = ev.body(register(parking(namespace="rival_parking"), sub=OTHER_PARTNER))["contract_id"]
    listed = ev.body(call("GET", "/v1/contracts"))["contracts"]
    assert [c["contract_id"] for c in listed] == [mine] and listed[0]["partner_id"] == PARTNER
    everything = ev.body(call("GET", "/v1/contracts", role="admin", sub=ADMIN))["contracts"]
    assert {c["contract_id"] for c in everything} == {mine, theirs}
    assert item("GET", theirs, role="admin", sub=ADMIN)["statusCode"] == 200


def test_vehicles_may_not_use_the_registry(deployed: Template) -> None:
    contract_id = ev.body(register(parking()))["contract_id"]
    for method, resource, extra in (
        ("POST", "/v1/contracts", {"body": parking()}),
        ("GET", "/v1/contracts", {}),
    ):
        problem(call(method, resource, role="vehicle", sub="vin-1", **extra), 403, "forbidden")
    for method, suffix in (("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/approve")):
        problem(
            item(method, contract_id, suffix, role="vehicle", sub="vin-1", body=parking()), 403, "forbidden"
        )


def test_an_admin_may_retire_but_not_change_a_partners_contract(deployed: Template) -> None:
    contract_id = ev.body(register(parking()))["contract_id"]
    problem(item("PUT", contract_id, role="admin", sub=ADMIN, body=parking()), 403, "forbidden")
    problem(call("POST", "/v1/contracts", role="admin", sub=ADMIN, body=parking()), 403, "forbidden")
    assert item("DELETE", contract_id, role="admin", sub=ADMIN)["statusCode"] == 204
    assert item("DELETE", contract_id, role="admin", sub=ADMIN)["statusCode"] == 204  # idempotent


def test_a_retired_namespace_returns_to_its_partner_only(deployed: Template) -> None:
    contract_id = ev.body(register(parking()))["contract_id"]
    item("DELETE", contract_id)
    problem(register(parking(), sub=OTHER_PARTNER), 409, "namespace-unavailable")
    again = register(parking())
    assert again["statusCode"] == 201 and ev.body(again)["contract_id"] != contract_id


def test_oauth2_client_credentials_keep_the_secret_in_secrets_manager(
    deployed: Template, logs: io.StringIO
) -> None:
    auth = {
        "type": "oauth2_client_credentials",
        "token_url": "https://auth.acme-parking.example/token",
        "client_id": "gateway",
        "client_secret": "cs_9f8e7d6c",
        "scopes": ["spots:read"],
    }
    answer = register(parking(auth=auth))
    assert answer["statusCode"] == 201 and "cs_9f8e7d6c" not in answer["body"]
    contract_id = ev.body(answer)["contract_id"]
    shown = item("GET", contract_id)["body"]
    assert "cs_9f8e7d6c" not in shown and json.loads(shown)["versions"][0]["auth"]["client_id"] == "gateway"
    item("POST", contract_id, "/approve", role="admin", sub=ADMIN)
    operation = catalog(deployed).active_tools()[0].operation
    assert operation.auth.type == "oauth2_client_credentials"
    assert secret(operation.auth.secret_arn) == {"client_secret": "cs_9f8e7d6c"}  # type: ignore[union-attr]
    assert "cs_9f8e7d6c" not in logs.getvalue()


def test_a_dry_run_compiles_and_reports_without_storing(deployed: Template, nothing_stored: object) -> None:
    answer = register(parking(), query={"dry_run": "true"})
    assert answer["statusCode"] == 200
    body = ev.body(answer)
    assert body["dry_run"] is True and body["status"] == "dry_run" and "contract_id" not in body
    assert len(body["tools"]) == 4 and "signing" not in body
    search = body["tools"][0]
    assert (
        search["input_schema"]["required"] == ["lat", "lon"] and search["output_schema"]["type"] == "object"
    )
    assert search["description"].startswith("Find free parking spots near a point")
    assert search.get("confirmation_question") is None  # a read: nobody is asked
    (reserve,) = [t for t in body["tools"] if t["operation_id"] == "createReservation"]
    questions = reserve["confirmation_question"]
    required = reserve["input_schema"]["required"]
    # the question the driver will hear: every required argument, named as a driver would hear it
    assert questions["en-US"].startswith(f"Confirm {reserve['title']} with acme_parking (")
    assert questions["zh-CN"].startswith(f"确认让acme_parking执行“{reserve['title']}”（")
    assert all(f"<{name}>" in questions["en-US"] for name in required) and required


def test_the_sample_events_drive_the_handler(deployed: Template) -> None:
    from registry.handler import lambda_handler

    assert lambda_handler(ev.sample("contracts/register_contract_dry_run.json"), None)["statusCode"] == 200
    created = lambda_handler(ev.sample("contracts/register_contract.json"), None)
    assert created["statusCode"] == 201
    listed = ev.body(lambda_handler(ev.sample("contracts/list_contracts.json"), None))["contracts"]
    assert [c["contract_id"] for c in listed] == [ev.body(created)["contract_id"]]
    for name in ("approve_contract", "retire_contract"):  # the samples name a contract that does not exist
        problem(lambda_handler(ev.sample(f"contracts/{name}.json"), None), 404, "not-found")


def test_the_read_side_queries_the_catalog_only_after_a_change(dev: Template) -> None:
    from collections import Counter
    from typing import Any

    from cockpit import aws

    calls: Counter[str] = Counter()

    def count(model: Any, **_kw: Any) -> None:
        calls[model.name] += 1

    reader = catalog(dev)
    aws.client("dynamodb").meta.events.register("before-call.dynamodb", count)
    assert reader.active_tools() == [] and calls == {"GetItem": 1, "Query": 1}
    contract_id = ev.body(register(parking()))["contract_id"]
    calls.clear()
    first = reader.active_tools()
    assert len(first) == 4 and calls == {"GetItem": 1, "Query": 1}
    calls.clear()
    assert reader.active_tools() == first and calls == {"GetItem": 1}  # unchanged: the counter alone
    item("DELETE", contract_id)
    calls.clear()
    assert reader.active_tools() == [] and calls == {"GetItem": 1, "Query": 1}


def test_the_approving_admin_may_waive_confirmation_for_named_writes_only(deployed: Template) -> None:
    contract_id = ev.body(register(parking()))["contract_id"]
    typo = item("POST", contract_id, "/approve", role="admin", sub=ADMIN,
                body={"waive_confirmation": ["cancelReservaton"]})  # fmt: skip
    doc = problem(typo, 422, "validation-failed")
    assert doc["errors"][0]["pointer"] == "/waive_confirmation/0"
    assert catalog(deployed).active_tools() == []  # refused before anything was approved
    read = item(
        "POST", contract_id, "/approve", role="admin", sub=ADMIN, body={"waive_confirmation": ["getSpot"]}
    )
    problem(read, 422, "validation-failed")  # a read has nothing to waive
    approved = item("POST", contract_id, "/approve", role="admin", sub=ADMIN,
                    body={"waive_confirmation": ["cancelReservation"]})  # fmt: skip
    assert approved["statusCode"] == 200, approved["body"]
    tools = {t.spec.name: t.spec.requires_confirmation for t in catalog(deployed).active_tools()}
    assert tools["acme_parking_cancel_reservation"] is False
    assert tools["acme_parking_create_reservation"] is True
    # approving again without the waiver re-publishes the version as compiled: the driver is asked again
    again = item("POST", contract_id, "/approve", role="admin", sub=ADMIN)
    assert again["statusCode"] == 200
    assert {t.spec.name: t.spec.requires_confirmation for t in catalog(deployed).active_tools()}[
        "acme_parking_cancel_reservation"
    ] is True
