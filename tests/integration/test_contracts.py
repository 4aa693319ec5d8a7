"""The contracts registry against a real AWS endpoint (moto server by default): the bucket as the
template makes it, the registry's writes through S3, DynamoDB and Secrets Manager, the router's read
side, and a namespace raced by several partners at once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import boto3

from cockpit.errors import NamespaceUnavailable
from cockpit.partners.registry import DynamoPartnerTools
from cockpit.tools.model import Caller, Role
from cockpit_dev.provision import provision
from cockpit_dev.template import Template
from registry.models import ContractRequest
from registry.s3 import S3Documents
from registry.secretsmanager import SecretsManagerSecrets
from registry.service import ContractsService, Limits
from registry.store import ContractStore
from tests.support.openapi_docs import example


def resolve(host: str, _port: int) -> Sequence[str]:
    return {"api.acme-parking.example": ["93.184.215.14"]}[host]


def service(stack: Template, *, dev_mode: bool) -> ContractsService:
    env = stack.functions["ContractsFunction"].environment
    limits = Limits(dev_mode=dev_mode, max_operations=100, max_document_bytes=4 * 1024 * 1024,
                    secret_prefix=f"{env['CONTRACTS_SECRET_PREFIX']}{uuid.uuid4().hex[:6]}/")  # fmt: skip
    return ContractsService(ContractStore(env["CONTRACTS_TABLE"]), S3Documents(env["CONTRACTS_BUCKET"]),
                            SecretsManagerSecrets(), limits, resolve=resolve)  # fmt: skip


def request(namespace: str) -> ContractRequest:
    return ContractRequest.model_validate({
        "namespace": namespace, "display_name": "ACME", "openapi": example("acme-parking.openapi.yaml"),
        "base_url": "https://api.acme-parking.example/v2",
        "auth": {"type": "api_key", "in": "query", "name": "key", "value": "k-123"},
    })  # fmt: skip


def test_the_contracts_bucket_is_versioned_encrypted_and_private_and_survives_reprovisioning(
    stack: Template, aws_url: str
) -> None:
    s3 = boto3.client("s3", endpoint_url=aws_url)
    bucket = stack.buckets["ContractsBucket"].name
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                     "RestrictPublicBuckets": True}  # fmt: skip
    s3.put_object(Bucket=bucket, Key="kept.json", Body=b"{}")
    again = provision(stack, aws_url)
    assert bucket in again.existing and bucket not in again.created
    assert s3.get_object(Bucket=bucket, Key="kept.json")["Body"].read() == b"{}"


def test_a_registered_contract_is_stored_in_s3_dynamodb_and_secrets_and_served_until_retired(
    stack: Template, aws_url: str
) -> None:
    registry = service(stack, dev_mode=True)
    partner = Caller(sub=f"partner-{uuid.uuid4().hex[:6]}", role=Role.PARTNER)
    namespace = f"it_{uuid.uuid4().hex[:8]}"
    answer = registry.register(partner, request(namespace), dry_run=False)
    assert answer.status == "active" and answer.contract_id is not None
    version = registry.store.versions(answer.contract_id)[0]
    s3 = boto3.client("s3", endpoint_url=aws_url)
    document = s3.get_object(Bucket=registry.documents.bucket, Key=version.document_key,  # type: ignore[attr-defined]
                             VersionId=version.document_version_id)  # fmt: skip
    assert document["ServerSideEncryption"] == "AES256" and b"searchSpots" in document["Body"].read()
    reader = DynamoPartnerTools(stack.functions["ContractsFunction"].environment["CONTRACTS_TABLE"])
    mine = [t for t in reader.active_tools() if t.operation.contract_id == answer.contract_id]
    assert len(mine) == 4 and mine[0].operation.auth.type == "api_key"
    registry.retire(partner, answer.contract_id)
    assert [t for t in reader.active_tools() if t.operation.contract_id == answer.contract_id] == []
    assert reader.get(f"{namespace}_search_spots") is None


def test_one_namespace_raced_by_five_partners_is_registered_once_and_the_losers_leave_nothing(
    stack: Template,
) -> None:
    registry = service(stack, dev_mode=False)
    namespace = f"race_{uuid.uuid4().hex[:8]}"
    gate = threading.Barrier(5)
    table = stack.functions["ContractsFunction"].environment["CONTRACTS_TABLE"]

    def attempt(i: int) -> object:
        gate.wait()
        try:
            return registry.register(
                Caller(sub=f"racer-{i}", role=Role.PARTNER), request(namespace), dry_run=False
            )
        except NamespaceUnavailable as exc:
            return exc

    with ThreadPoolExecutor(max_workers=5) as pool:
        outcomes = list(pool.map(attempt, range(5)))
    winners = [o for o in outcomes if not isinstance(o, NamespaceUnavailable)]
    assert len(winners) == 1
    # Which items the losers' undo removed is not asserted here: moto restores a deep copy of the whole
    # table when a transaction fails, which under real concurrency can bring back (or erase) what other
    # threads wrote meanwhile. The functional tests check that a refused registration leaves nothing.
    claim = ContractStore(table).claim(namespace)
    assert claim is not None and claim["contract_id"] == winners[0].contract_id  # type: ignore[attr-defined]
    prefix = registry.limits.secret_prefix
    names = [
        s["Name"]
        for page in boto3.client("secretsmanager").get_paginator("list_secrets").paginate()
        for s in page["SecretList"]  # every page: a long-lived endpoint holds more than one
        if s["Name"].startswith(prefix)
    ]
    assert all(n.startswith(f"{prefix}{winners[0].contract_id}/") for n in names) and len(names) == 2  # type: ignore[attr-defined]


def one_operation(operation_id: str) -> dict[str, object]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "tiny", "version": "1"},
        "paths": {
            "/thing": {
                "get": {
                    "operationId": operation_id,
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"type": "object", "properties": {"ok": {"type": "boolean"}}}}}}},
                }
            }
        },
    }  # fmt: skip


def race_pair(registry: ContractsService, bodies: list[tuple[str, str]], trial: int) -> list[object]:
    gate = threading.Barrier(len(bodies))

    def attempt(i: int) -> object:
        namespace, operation = bodies[i]
        body = ContractRequest.model_validate({
            "namespace": namespace, "display_name": "Racer", "openapi": one_operation(operation),
            "base_url": "https://api.acme-parking.example/v2",
        })  # fmt: skip
        gate.wait()
        try:
            return registry.register(Caller(sub=f"racer-{trial}-{i}", role=Role.PARTNER), body, dry_run=False)
        except NamespaceUnavailable as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(attempt, range(len(bodies))))


def test_two_namespaces_raced_onto_one_tool_name_register_once_and_the_catalog_serves_the_winner(
    stack: Template,
) -> None:
    """`n` + operation `x_get` and `n_x` + operation `get` both compile `n_x_get`. The overlap check
    alone reads then writes, so raced it let both through; the tool-name claim lets exactly one."""
    registry = service(stack, dev_mode=True)
    table = stack.functions["ContractsFunction"].environment["CONTRACTS_TABLE"]
    for trial in range(6):
        base = f"r{uuid.uuid4().hex[:6]}"
        outcomes = race_pair(registry, [(base, "x_get"), (f"{base}_x", "get")], trial)
        winners = [o for o in outcomes if not isinstance(o, NamespaceUnavailable)]
        losers = [o for o in outcomes if isinstance(o, NamespaceUnavailable)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert losers[0].status == 409 and losers[0].errors[0].pointer == "/namespace"
        served = [t for t in DynamoPartnerTools(table).active_tools() if t.spec.name == f"{base}_x_get"]
        assert [t.operation.contract_id for t in served] == [winners[0].contract_id]  # type: ignore[attr-defined]
