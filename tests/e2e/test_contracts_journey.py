"""Partner contracts over HTTP: a partner registers its OpenAPI document with its own token (by HTTP and
with `cockpit contracts`), lists, shows, changes, and retires it; an admin approves; vehicles and other
partners are kept out; and every bad registration the issue lists answers its own problem document."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from cockpit_dev.cli import main as cockpit
from tests.support.local_gateway import GatewayUrl
from tests.support.openapi_docs import example

TokenFactory = Callable[..., str]
PARKING = Path(__file__).resolve().parents[2] / "contracts" / "examples" / "acme-parking.openapi.yaml"
pytestmark = (
    pytest.mark.local_only
)  # registers loopback partners: only a development-mode gateway allows them


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    doc: dict[str, Any] = response.json()
    assert doc["type"] == f"https://cockpit-gateway.dev/problems/{slug}" and doc["status"] == status
    return doc


def body(namespace: str, **overrides: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "namespace": namespace,
        "display_name": "ACME Parking",
        "openapi": example("acme-parking.openapi.yaml"),
        "base_url": "http://127.0.0.1:9/v2",  # loopback: allowed in development mode only
        "auth": {"type": "api_key", "in": "header", "name": "X-Api-Key", "value": "ak-e2e-secret"},
        "confirmation_required": ["createReservation"],
    }
    return out | overrides


def test_a_partner_registers_changes_and_retires_a_contract(
    http: httpx.Client, token: TokenFactory, gateway_url: GatewayUrl, capsys: pytest.CaptureFixture[str]
) -> None:
    partner = f"partner-{uuid.uuid4().hex[:6]}"
    me = bearer(token("partner", partner))
    namespace = f"acme_{uuid.uuid4().hex[:6]}"

    preflight = http.post("/v1/contracts", params={"dry_run": "true"}, json=body(namespace), headers=me)
    assert preflight.status_code == 200 and preflight.json()["dry_run"] is True

    created = http.post("/v1/contracts", json=body(namespace), headers=me)
    assert created.status_code == 201, created.text
    answer = created.json()
    contract_id = answer["contract_id"]
    assert answer["status"] == "active" and answer["version"] == 1 and answer["signing"]["key"]
    assert [t["name"] for t in answer["tools"]] == [
        f"{namespace}_search_spots",
        f"{namespace}_get_spot",
        f"{namespace}_create_reservation",
        f"{namespace}_cancel_reservation",
    ]

    listed = http.get("/v1/contracts", headers=me).json()["contracts"]
    assert [c["contract_id"] for c in listed] == [contract_id]
    shown = http.get(f"/v1/contracts/{contract_id}", headers=me)
    assert (
        shown.status_code == 200
        and "ak-e2e-secret" not in shown.text
        and answer["signing"]["key"] not in shown.text
    )

    changed = http.put(
        f"/v1/contracts/{contract_id}",
        json=body(namespace, operations=["searchSpots"], confirmation_required=[]),
        headers=me,
    )
    assert (
        changed.status_code == 200 and changed.json()["version"] == 2 and changed.json()["status"] == "active"
    )
    admin = bearer(token("admin", "ops-e2e"))
    approved = http.post(f"/v1/contracts/{contract_id}/approve", headers=admin)
    assert approved.status_code == 200 and approved.json()["active_version"] == 2
    assert {c["contract_id"] for c in http.get("/v1/contracts", headers=admin).json()["contracts"]} >= {
        contract_id
    }

    rival = bearer(token("partner", f"rival-{uuid.uuid4().hex[:6]}"))
    problem(http.get(f"/v1/contracts/{contract_id}", headers=rival), 404, "not-found")
    problem(http.put(f"/v1/contracts/{contract_id}", json=body(namespace), headers=rival), 404, "not-found")
    problem(http.delete(f"/v1/contracts/{contract_id}", headers=rival), 404, "not-found")
    car = bearer(token("vehicle", "vin-e2e-contracts"))
    problem(http.get("/v1/contracts", headers=car), 403, "forbidden")
    problem(http.post("/v1/contracts", json=body("car_ns"), headers=car), 403, "forbidden")
    problem(http.post(f"/v1/contracts/{contract_id}/approve", headers=me), 403, "forbidden")

    assert http.delete(f"/v1/contracts/{contract_id}", headers=me).status_code == 204
    assert http.get(f"/v1/contracts/{contract_id}", headers=me).json()["status"] == "retired"

    # The same through the partner's command line.
    cli_namespace = f"cli_{uuid.uuid4().hex[:6]}"
    args = ["contracts", "--url", str(gateway_url), "--token", token("partner", partner)]
    assert (
        cockpit(
            [
                *args,
                "register",
                str(PARKING),
                "--namespace",
                cli_namespace,
                "--base-url",
                "http://127.0.0.1:9/v2",
            ]
        )
        == 0
    )
    cli_id = json.loads(capsys.readouterr().out)["contract_id"]
    # Registering again: a 409 that names the command publishing a new version; that command works.
    again = [
        *args,
        "register",
        str(PARKING),
        "--namespace",
        cli_namespace,
        "--base-url",
        "http://127.0.0.1:9/v2",
    ]
    assert cockpit(again) == 1 and f"--contract {cli_id}" in capsys.readouterr().err
    assert cockpit([*again, "--contract", cli_id]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 2
    assert cockpit([*args, "list"]) == 0 and cli_id in capsys.readouterr().out
    assert (
        cockpit([*args, "show", cli_id]) == 0
        and json.loads(capsys.readouterr().out)["namespace"] == cli_namespace
    )
    assert cockpit([*args, "retire", cli_id]) == 0
    assert cockpit([*args, "show", "ctr_00000000000000000000"]) == 1


def yaml_with(ref: str) -> str:
    return (
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x: {get: {operationId: x, responses: "
        f"{{'200': {{description: ok, content: {{application/json: {{schema: {{$ref: '{ref}'}}}}}}}}}}}}}}\n"
    )


BAD = [
    ("invalid YAML", {"openapi": "openapi: 3.0.0\npaths: {/x: [\n"}, 422, "invalid-contract"),
    ("invalid JSON", {"openapi": '{"openapi": "3.0.0",'}, 422, "invalid-contract"),
    ("Swagger 2.0", {"openapi": {"swagger": "2.0", "paths": {}}}, 422, "invalid-contract"),
    ("missing $ref", {"openapi": yaml_with("#/components/schemas/Gone")}, 422, "invalid-contract"),
    ("external $ref", {"openapi": yaml_with("https://schemas.example/x.json")}, 422, "invalid-contract"),
    (
        "duplicate operationIds",
        {"openapi": yaml_with("#/x").replace("/x: {get", "/x: {post: {operationId: x, responses: {}}, get")},
        422,
        "invalid-contract",
    ),
    ("reserved namespace", {"namespace": "navigation"}, 422, "namespace-reserved"),
    ("base_url on http to a public host", {"base_url": "http://93.184.215.14/v2"}, 422, "unsafe-destination"),
    ("base_url on the metadata address", {"base_url": "https://169.254.169.254/"}, 422, "unsafe-destination"),
    ("base_url on a private address", {"base_url": "https://10.0.0.7/"}, 422, "unsafe-destination"),
    ("base_url in octal", {"base_url": "https://0177.0.0.1/"}, 422, "unsafe-destination"),
]


@pytest.mark.parametrize(("case", "change", "status", "slug"), BAD, ids=[b[0] for b in BAD])
def test_bad_registrations_over_http(
    http: httpx.Client, token: TokenFactory, case: str, change: dict[str, Any], status: int, slug: str
) -> None:
    partner = bearer(token("partner", f"bad-{uuid.uuid4().hex[:6]}"))
    namespace = f"bad_{uuid.uuid4().hex[:8]}"
    request = body(namespace, **({"confirmation_required": []} if "openapi" in change else {})) | change
    doc = problem(http.post("/v1/contracts", json=request, headers=partner), status, slug)
    assert doc["errors"] and "ak-e2e-secret" not in json.dumps(doc)
    assert http.get("/v1/contracts", headers=partner).json()["contracts"] == []  # nothing stored


def test_a_taken_namespace_and_an_oversized_document(http: httpx.Client, token: TokenFactory) -> None:
    owner, other = (bearer(token("partner", f"ns-{uuid.uuid4().hex[:6]}")) for _ in range(2))
    namespace = f"taken_{uuid.uuid4().hex[:6]}"
    assert http.post("/v1/contracts", json=body(namespace), headers=owner).status_code == 201
    problem(http.post("/v1/contracts", json=body(namespace), headers=other), 409, "namespace-unavailable")
    huge = example("acme-parking.openapi.yaml") + "#" + "x" * (4 * 1024 * 1024) + "\n"
    problem(
        http.post("/v1/contracts", json=body(f"big_{namespace}", openapi=huge), headers=other),
        413,
        "payload-too-large",
    )
    assert http.get("/v1/contracts", headers=other).json()["contracts"] == []


def test_a_deployed_gateway_waits_for_an_admin_and_refuses_loopback(
    start_gateway: Callable[[dict[str, str]], GatewayUrl], token: TokenFactory
) -> None:
    url = start_gateway({"DevelopmentMode": "false"})
    with httpx.Client(base_url=str(url), timeout=30.0) as http:
        partner = bearer(token("partner", "partner-deployed"))
        for base_url in ("http://127.0.0.1:9/v2", "https://localhost/v2", "https://127.0.0.1/v2"):
            problem(
                http.post("/v1/contracts", json=body("acme_deployed", base_url=base_url), headers=partner),
                422,
                "unsafe-destination",
            )
        public = body("acme_deployed", base_url="https://93.184.215.14/v2")  # a public address: never called
        created = http.post("/v1/contracts", json=public, headers=partner)
        assert created.status_code == 201 and created.json()["status"] == "pending_review"
        contract_id = created.json()["contract_id"]
        v2 = http.put(f"/v1/contracts/{contract_id}", json=public, headers=partner).json()
        assert v2["status"] == "pending_review" and v2["version"] == 2
        approved = http.post(f"/v1/contracts/{contract_id}/approve", headers=bearer(token("admin", "ops")))
        assert approved.status_code == 200 and approved.json()["active_version"] == 2
        statuses = {v["version"]: v["status"] for v in approved.json()["versions"]}
        assert statuses == {1: "superseded", 2: "active"}
