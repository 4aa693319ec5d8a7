"""`make localstack-up` starts LocalStack with only the services docker-compose.yml names (SERVICES): the
stack `sam deploy` creates there needs every service a resource type of the transformed template lives in,
plus CloudFormation, STS and S3 (the artifacts bucket) for the deploy itself."""

from __future__ import annotations

from pathlib import Path

import yaml

from cockpit_dev import stack as cfn

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_ITSELF = {"cloudformation", "sts", "s3"}


def _localstack_services() -> set[str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    environment = compose["services"]["localstack"]["environment"]
    (services,) = [e.removeprefix("SERVICES=") for e in environment if e.startswith("SERVICES=")]
    return {s.strip() for s in services.split(",")}


def test_localstack_runs_every_service_the_stack_creates_resources_in() -> None:
    document = cfn.transformed(cfn.packaged(cfn.load(ROOT / "template.yaml")))
    # AWS::<Service>::<Type>: the service part, lower-cased, is LocalStack's name for it
    needed = {r["Type"].split("::")[1].lower() for r in document["Resources"].values()} | DEPLOY_ITSELF
    assert {"sns", "cloudwatch", "events", "wafv2"} <= needed  # alarms, their topic, the schedule, the edge
    assert needed - _localstack_services() == set()
