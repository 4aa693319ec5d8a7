"""Provisioning the template's resources on a real moto server: complete, and idempotent (a second run
keeps table items and secret values)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from cockpit_dev import aws_endpoint
from cockpit_dev.net import free_port
from cockpit_dev.provision import provision
from cockpit_dev.template import load_template
from tests.integration.local.conftest import aws_client
from tests.support import localfn
from tests.support.local_gateway import ROOT


def test_provision_creates_everything_and_a_second_run_keeps_the_data(moto_url: str) -> None:
    stack = f"prov-{uuid.uuid4().hex[:8]}"
    template = load_template(localfn.TEMPLATE, stack_name=stack)
    first = provision(template, moto_url)
    assert sorted(first.created) == sorted(
        [f"{stack}-ItemsTable", f"{stack}-AppSecret", f"{stack}/plain", f"/{stack}/base-url"]
    )
    assert first.existing == []

    dynamodb, secrets, ssm = (aws_client(s, moto_url) for s in ("dynamodb", "secretsmanager", "ssm"))
    table = dynamodb.describe_table(TableName=f"{stack}-ItemsTable")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["by-owner"]
    ttl = dynamodb.describe_time_to_live(TableName=f"{stack}-ItemsTable")["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")

    arn = first.physical_ids["AppSecret"]
    generated = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
    assert generated["user"] == "fixture"
    assert len(generated["password"]) == 24
    assert generated["password"].isalnum()
    plain = secrets.get_secret_value(SecretId=f"{stack}/plain")["SecretString"]
    assert json.loads(plain) == {"api_key": "plain-value"}
    api_id = template.apis["FixtureApi"].api_id
    parameter = ssm.get_parameter(Name=f"/{stack}/base-url")["Parameter"]["Value"]
    assert parameter == f"https://{api_id}.execute-api.us-east-1.amazonaws.com/test"

    dynamodb.put_item(TableName=f"{stack}-ItemsTable", Item={"pk": {"S": "kept"}, "owner": {"S": "me"}})
    second = provision(template, moto_url)
    assert second.created == []
    assert len(second.existing) == 4
    assert second.physical_ids["AppSecret"] == arn
    assert json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"]) == generated
    item = dynamodb.get_item(TableName=f"{stack}-ItemsTable", Key={"pk": {"S": "kept"}})["Item"]
    assert item["owner"] == {"S": "me"}

    # The template owns SSM parameters (as CloudFormation does): a new value replaces the old one.
    changed = load_template(localfn.TEMPLATE, stack_name=stack, parameters={"PublicBaseUrl": "http://h:1"})
    provision(changed, moto_url)
    assert ssm.get_parameter(Name=f"/{stack}/base-url")["Parameter"]["Value"] == "http://h:1"


def test_existing_endpoint_is_used_and_identified(moto_url: str) -> None:
    port = int(moto_url.rsplit(":", 1)[1])
    found = aws_endpoint.ensure(port, Path("/nonexistent/never-written.log"))
    assert (found.kind, found.started_here, found.url) == ("moto", False, moto_url)
    found.stop()  # not ours: stopping it is a no-op
    assert aws_endpoint.existing(port) is not None
    assert aws_endpoint.existing(free_port()) is None


def test_a_port_taken_by_something_else_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(aws_endpoint.AwsEndpointError, match="not an AWS endpoint"):
            aws_endpoint.existing(port)
        # Through `cockpit run`: one line that says how to choose another port, no traceback.
        done = subprocess.run(
            [sys.executable, "-m", "cockpit_dev.cli", "run", "--port", "0", "--lambda-port", "0",
             "--aws-port", str(port)],
            cwd=ROOT, env={**os.environ, "COCKPIT_HOME": str(tmp_path)}, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 1 and done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(
        f"cockpit run: error: 127.0.0.1:{port} is in use by something that is not an"
    )
    assert "(choose another port: make run AWS_PORT=N, or cockpit run --aws-port N)" in done.stderr
