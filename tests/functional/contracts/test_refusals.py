"""Every bad registration the issue lists gets its own problem document, and nothing is stored: no
table item, no document in the bucket, no secret left behind."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from cockpit_dev.template import Template
from registry.secretsmanager import SecretsManagerSecrets
from registry.store import ContractStore
from tests.functional.contracts.conftest import (
    OTHER_PARTNER,
    call,
    item,
    parking,
    problem,
    register,
    resolve,
    stored,
)
from tests.support import events as ev
from tests.support.wiring import FromSettings, wire

ONE_OP = (
    "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
    "paths:\n  /x: {get: {operationId: x, responses: {'200': {description: ok}}}}\n"
)


def yaml_with(ref: str) -> str:
    return (
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: x\n"
        "      responses:\n        '200':\n          description: ok\n          content:\n"
        f"            application/json:\n              schema: {{$ref: '{ref}'}}\n"
    )


BAD: list[tuple[str, dict[str, Any], int, str, str]] = [
    ("invalid YAML", {"openapi": "openapi: 3.0.0\npaths: {/x: [\n"}, 422, "invalid-contract", "/openapi"),
    ("invalid JSON text", {"openapi": '{"openapi": "3.0.0", "paths": '}, 422, "invalid-contract", "/openapi"),
    (
        "Swagger 2.0",
        {"openapi": {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}}},
        422,
        "invalid-contract",
        "/openapi/swagger",
    ),
    (
        "missing $ref",
        {"openapi": yaml_with("#/components/schemas/Nope")},
        422,
        "invalid-contract",
        "/openapi/paths/~1x/get/responses/200/content/application~1json/schema/$ref",
    ),
    (
        "external $ref",
        {"openapi": yaml_with("https://evil.example/schema.json")},
        422,
        "invalid-contract",
        "/openapi/paths/~1x/get/responses/200/content/application~1json/schema/$ref",
    ),
    (
        "duplicate operationIds",
        {"openapi": ONE_OP + "  /y: {get: {operationId: x, responses: {}}}\n"},
        422,
        "invalid-contract",
        "/openapi/paths/~1y/get/operationId",
    ),
    ("reserved namespace", {"namespace": "charging"}, 422, "namespace-reserved", "/namespace"),
    ("reserved prefix", {"namespace": "payments_plus"}, 422, "namespace-reserved", "/namespace"),
    (
        "base_url on http",
        {"base_url": "http://api.acme-parking.example/v2"},
        422,
        "unsafe-destination",
        "/base_url",
    ),
    (
        "base_url on the metadata address",
        {"base_url": "https://169.254.169.254/latest"},
        422,
        "unsafe-destination",
        "/base_url",
    ),
    (
        "base_url on localhost",
        {"base_url": "https://localhost:8443/v2"},
        422,
        "unsafe-destination",
        "/base_url",
    ),
    (
        "base_url resolving to a private address",
        {"base_url": "https://intranet.acme-parking.example"},
        422,
        "unsafe-destination",
        "/base_url",
    ),
    ("base_url in decimal", {"base_url": "https://2130706433/"}, 422, "unsafe-destination", "/base_url"),
    (
        "base_url with a query",
        {"base_url": "https://api.acme-parking.example/v2?key=1"},
        422,
        "validation-failed",
        "/base_url",
    ),
    (
        "token_url on a private address",
        {
            "auth": {
                "type": "oauth2_client_credentials",
                "client_id": "c",
                "client_secret": "s3cr3t-value",
                "token_url": "https://10.0.0.8/token",
            }
        },
        422,
        "unsafe-destination",
        "/auth/token_url",
    ),
    ("namespace with capitals", {"namespace": "AcmeParking"}, 422, "validation-failed", "/namespace"),
    (
        "unknown operation",
        {"operations": ["searchSpots", "teleport"]},
        422,
        "invalid-contract",
        "/operations/1",
    ),
    (
        "api key without its value",
        {"auth": {"type": "api_key", "in": "header", "name": "X-Api-Key"}},
        422,
        "validation-failed",
        "/auth/api_key/value",
    ),
    ("timeout too long", {"timeout_ms": 60_000}, 422, "validation-failed", "/timeout_ms"),
]


@pytest.mark.parametrize(("case", "change", "status", "slug", "pointer"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_registration_is_refused_and_stores_nothing(
    nothing_stored: Callable[[], None],
    case: str,
    change: dict[str, Any],
    status: int,
    slug: str,
    pointer: str,
) -> None:
    body = parking(**change)
    if case == "duplicate operationIds" or case.startswith("invalid") or "$ref" in case:
        body["confirmation_required"] = []
    for query in (None, {"dry_run": "true"}):
        doc = problem(register(body, query=query), status, slug)
        assert pointer in [e.get("pointer") for e in doc.get("errors") or []], doc
        assert doc["instance"] == "/v1/contracts"
        assert "s3cr3t-value" not in json.dumps(doc) and "ak_live_7Hq2pXz9" not in json.dumps(doc)


def test_swagger_is_told_to_convert(nothing_stored: Callable[[], None]) -> None:
    doc = problem(register(parking(openapi={"swagger": "2.0", "paths": {}})), 422, "invalid-contract")
    assert "Convert it to OpenAPI 3" in doc["detail"]


def test_a_document_over_the_size_limit_is_413(nothing_stored: Callable[[], None]) -> None:
    limit = 4 * 1024 * 1024
    huge = ONE_OP + "# " + "x" * (limit + 10) + "\n"
    doc = problem(register(parking(openapi=huge, confirmation_required=[])), 413, "payload-too-large")
    assert doc["errors"] == [{"pointer": "/openapi", "message": f"over {limit} bytes"}]
    body = json.dumps(parking(openapi=huge + "y" * 100_000))
    problem(call("POST", "/v1/contracts", raw_body=body), 413, "payload-too-large")  # the whole body's cap


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_a_document_string_nested_100k_deep_is_a_422_never_a_500(
    nothing_stored: Callable[[], None], opener: str
) -> None:
    closer = "]" if opener == "[" else "}"
    text = "{" + '"openapi": "3.1.0", "x": ' + opener * 100_000 + "1" + closer * 100_000 + "}"
    doc = problem(register(parking(openapi=text, confirmation_required=[])), 422, "invalid-contract")
    assert "nests deeper than 120 levels" in doc["detail"]
    body = '{"openapi": ' + "[" * 5000 + "]" * 5000 + "}"  # the body itself this deep: 400
    problem(call("POST", "/v1/contracts", raw_body=body), 400, "malformed-json")


def test_malformed_bodies(nothing_stored: Callable[[], None]) -> None:
    problem(call("POST", "/v1/contracts", raw_body="{not json"), 400, "malformed-json")
    problem(
        call("POST", "/v1/contracts", raw_body="{}", headers={"Content-Type": "text/yaml"}),
        415,
        "unsupported-media-type",
    )
    problem(register(parking(), query={"dry_run": "maybe"}), 400, "bad-request")


def test_a_taken_namespace_is_409_and_the_first_contract_is_untouched(deployed: Template) -> None:
    first = ev.body(register(parking()))
    before = stored(deployed)
    doc = problem(register(parking(), sub=OTHER_PARTNER), 409, "namespace-unavailable")
    assert doc["errors"] == [{"pointer": "/namespace", "message": "taken"}]
    problem(register(parking()), 409, "namespace-unavailable")  # the owner too: change it with PUT
    problem(register(parking(namespace="acme")), 409, "namespace-unavailable")  # acme_parking_* could collide
    problem(register(parking(namespace="acme_parking_eu")), 409, "namespace-unavailable")
    assert stored(deployed) == before
    assert ev.body(item("GET", first["contract_id"]))["status"] == "pending_review"


def test_another_partners_contract_is_not_found_and_unchanged(deployed: Template) -> None:
    contract_id = ev.body(register(parking()))["contract_id"]
    before = stored(deployed)
    for method, suffix in (("GET", ""), ("PUT", ""), ("DELETE", "")):
        doc = problem(item(method, contract_id, suffix, sub=OTHER_PARTNER, body=parking()), 404, "not-found")
        assert doc["detail"] == f"no contract {contract_id}"
    problem(item("GET", "ctr_00000000000000000000"), 404, "not-found")
    problem(item("GET", "../../etc"), 404, "not-found")
    assert stored(deployed) == before


def test_a_change_is_refused_like_a_registration(deployed: Template) -> None:
    contract_id = ev.body(register(parking()))["contract_id"]
    before = stored(deployed)
    problem(item("PUT", contract_id, body=parking(namespace="acme_parking2")), 422, "validation-failed")
    problem(
        item("PUT", contract_id, body=parking(base_url="https://169.254.169.254")), 422, "unsafe-destination"
    )
    problem(item("PUT", contract_id, body=parking(openapi={"swagger": "2.0"})), 422, "invalid-contract")
    assert stored(deployed) == before


class FailingSecrets:
    """The real adapter, failing on its `fail_at`-th create (Secrets Manager throttling, say)."""

    def __init__(self, real: Any, fail_at: int) -> None:
        self.real, self.fail_at, self.created = real, fail_at, 0

    def create(self, name: str, value: dict[str, str], description: str) -> str:
        self.created += 1
        if self.created == self.fail_at:
            raise RuntimeError("throttled")
        arn: str = self.real.create(name, value, description)
        return arn

    def delete(self, arn: str, *, at_once: bool) -> None:
        self.real.delete(arn, at_once=at_once)


def test_a_registration_failing_part_way_leaves_nothing_behind(deployed: Template) -> None:
    before = stored(deployed)
    secrets = FailingSecrets(SecretsManagerSecrets(), fail_at=2)  # the signing key is made, the API key fails
    wire("registry", secrets=secrets, resolve=resolve)
    problem(register(parking()), 500, "internal-error")
    assert stored(deployed) == before
    secrets.fail_at = 0
    assert register(parking())["statusCode"] == 201


class OvertakenOnUpdate(ContractStore):
    """The real store, where another change lands on the contract just before each update of ours."""

    def update(self, contract: Any, expected_rev: int, *versions: Any, retire_claim: bool = False) -> None:
        current = self.get(contract.contract_id)
        assert current is not None
        super().update(current.model_copy(update={"rev": current.rev + 1}), current.rev)
        super().update(contract, expected_rev, *versions, retire_claim=retire_claim)


def test_a_change_losing_a_race_leaves_nothing_behind(deployed: Template) -> None:
    contract_id = ev.body(register(parking()))["contract_id"]
    before = stored(deployed)
    wire("registry", store=FromSettings(lambda s: OvertakenOnUpdate(s.table)), resolve=resolve)
    problem(item("PUT", contract_id, body=parking(display_name="v2")), 409, "conflict")
    after = stored(deployed)
    assert after["objects"] == before["objects"] and after["secrets"] == before["secrets"]
    items = {(i["pk"]["S"], i["sk"]["S"]) for i in after["tables"]["cockpit-local-ContractsTable"]}
    assert items == {(i["pk"]["S"], i["sk"]["S"]) for i in before["tables"]["cockpit-local-ContractsTable"]}
