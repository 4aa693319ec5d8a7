"""The packaged, transformed template creates as a CloudFormation stack on the AWS endpoint (moto's
server by default): CREATE_COMPLETE, and exactly the resource types listed below are not created, each
with the reason. A new resource type the emulator cannot create fails this test until it is listed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from cockpit_dev import stack as cfn

ROOT = Path(__file__).resolve().parents[2]
PARAMETERS = {"JwksUrl": "https://idp.example/.well-known/jwks.json", "AlarmEmail": "ops@example.com"}

REMOVED = cfn.EMULATOR_REFUSES
# Types the emulator accepts but does not create (moto logs "No Moto CloudFormation support for ...").
SKIPPED = {
    "AWS::CloudWatch::Alarm": "moto has no CloudFormation model for alarms",
    "AWS::SecretsManager::Secret": "moto has no CloudFormation model for secrets",
    "AWS::ApiGateway::Account": "moto has no CloudFormation model for the account's CloudWatch role",
    "AWS::S3::BucketPolicy": "moto has no CloudFormation model for bucket policies",
    "AWS::SNS::Subscription": "moto has no CloudFormation model for SNS subscriptions",
    "AWS::WAFv2::WebACL": "moto has no CloudFormation model for WAF web ACLs (the per-token rate rule)",
    "AWS::WAFv2::WebACLAssociation": "moto has no CloudFormation model for WAF associations",
}


def _client(service: str, url: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def for_the_emulator(document: dict[str, Any]) -> dict[str, Any]:
    return cfn.for_the_emulator(document)


def create(url: str, document: dict[str, Any], name: str) -> tuple[str, str]:
    return cfn.create_stack(_client("cloudformation", url), document, name, PARAMETERS)


@pytest.fixture(scope="module")
def artifacts(aws_url: str) -> tuple[str, Callable[[Path, str], None]]:
    s3 = _client("s3", aws_url)
    bucket = f"artifacts-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    return bucket, cfn.zip_uploader(s3, bucket)


@pytest.fixture(scope="module")
def packaged(artifacts: tuple[str, Callable[[Path, str], None]]) -> dict[str, Any]:
    bucket, upload = artifacts
    return cfn.transformed(cfn.packaged(cfn.load(ROOT / "template.yaml"), bucket, upload=upload))


@pytest.fixture(scope="module")
def created(aws_url: str, packaged: dict[str, Any]) -> dict[str, Any]:
    name = f"deploy-{uuid.uuid4().hex[:8]}"
    status, reason = create(aws_url, for_the_emulator(packaged), name)
    assert (status, reason) == ("CREATE_COMPLETE", reason) and status == "CREATE_COMPLETE", reason
    resources = _client("cloudformation", aws_url).list_stack_resources(StackName=name)[
        "StackResourceSummaries"
    ]
    return {"name": name, "resources": {r["LogicalResourceId"]: r for r in resources}}


def test_the_stack_creates_and_only_the_listed_types_are_not_created(
    packaged: dict[str, Any], created: dict[str, Any]
) -> None:
    conditions_off = {"UsesBedrock"}  # PARAMETERS leave LlmProvider offline; AlarmEmail is set
    wanted = {
        k: v["Type"]
        for k, v in packaged["Resources"].items()
        if v.get("Condition") not in conditions_off and v["Type"] not in REMOVED
    }
    missing = {k: t for k, t in wanted.items() if k not in created["resources"]}
    assert sorted(set(missing.values())) == sorted(SKIPPED), missing
    assert all(r["ResourceStatus"] == "CREATE_COMPLETE" for r in created["resources"].values())
    assert {v["Type"] for v in packaged["Resources"].values()} >= set(REMOVED)  # the list is not stale


def test_created_resources_are_real(aws_url: str, created: dict[str, Any]) -> None:
    resources = created["resources"]
    table = resources["PaymentsTable"]["PhysicalResourceId"]
    described = _client("dynamodb", aws_url).describe_table(TableName=table)["Table"]
    assert [k["AttributeName"] for k in described["KeySchema"]] == ["pk", "sk"]
    function = _client("lambda", aws_url).get_function(
        FunctionName=resources["ChargingFunction"]["PhysicalResourceId"]
    )
    env = function["Configuration"]["Environment"]["Variables"]
    assert env["PUBLIC_BASE_URL_PARAMETER"] == f"/cockpit-gateway/{created['name']}/public-base-url"
    parameter = _client("ssm", aws_url).get_parameter(Name=env["PUBLIC_BASE_URL_PARAMETER"])["Parameter"]
    assert parameter["Value"].startswith("https://") and parameter["Value"].endswith("/live")
    groups = _client("logs", aws_url).describe_log_groups(
        logGroupNamePrefix=f"/aws/lambda/{created['name']}-"
    )
    assert {g["retentionInDays"] for g in groups["logGroups"]} == {30}
    assert len(groups["logGroups"]) == 9  # the eight functions of the API and the reconciler


def test_the_cycle_issue_15_found_does_not_create(
    aws_url: str, artifacts: tuple[str, Callable[[Path, str], None]]
) -> None:
    """The check can fail: issue 15's dependency cycle, put back, never reaches CREATE_COMPLETE."""
    source = cfn.load(ROOT / "template.yaml")
    env = source["Resources"]["ChargingFunction"]["Properties"]["Environment"]["Variables"]
    env["PUBLIC_BASE_URL_PARAMETER"] = {"Ref": "PublicBaseUrlParameter"}
    bucket, upload = artifacts
    cyclic = for_the_emulator(cfn.transformed(cfn.packaged(source, bucket, upload=upload)))
    status, _reason = create(aws_url, cyclic, f"cyclic-{uuid.uuid4().hex[:8]}")
    assert status != "CREATE_COMPLETE"


def test_code_that_was_never_packaged_does_not_create(aws_url: str, packaged: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(for_the_emulator(packaged)))
    broken["Resources"]["RouterFunction"]["Properties"]["Code"]["S3Bucket"] = "no-such-artifacts-bucket"
    status, _reason = create(aws_url, broken, f"broken-{uuid.uuid4().hex[:8]}")
    assert status != "CREATE_COMPLETE"
