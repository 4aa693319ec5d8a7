"""A partner call logs what happened, never the API key, the signature, the arguments or the vehicle."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import boto3
import pytest

from cockpit.observability import logger
from cockpit.partners.model import ApiKeyAuth
from router.handler import lambda_handler as router
from tests.support import events as ev
from tests.support.aws import aws_from_template
from tests.support.partner_server import PartnerServer
from tests.support.partners import API_KEY, SIGNING_KEY, FakePartnerToolSource, parking_tools
from tests.support.wiring import wire

VIN = "vin-LOGS-2183294"


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    handler = logger().registered_handler
    old = handler.setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    handler.setStream(old)  # type: ignore[attr-defined]


def test_partner_calls_log_no_key_signature_argument_or_vehicle(
    monkeypatch: pytest.MonkeyPatch,
    logs: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)  # what a function's INFO logging lets through, libraries included
    with (
        PartnerServer() as server,
        aws_from_template(
            monkeypatch, "RouterFunction", "ChargingFunction", parameters={"DevelopmentMode": "true"}
        ),
    ):
        secrets = boto3.client("secretsmanager")
        signing = secrets.create_secret(Name="p/sign", SecretString=json.dumps({"key": SIGNING_KEY}))["ARN"]
        key = secrets.create_secret(Name="p/key", SecretString=json.dumps({"value": API_KEY}))["ARN"]
        auth = ApiKeyAuth(location="query", name="api_key", secret_arn=key)
        source = FakePartnerToolSource(parking_tools(server.base_url, signing_arn=signing, auth=auth))
        wire("cockpit.dispatch", partner_source=source)
        ok = router(ev.invoke("acme_parking_get_spot", {"spot_id": "spot-renmin-1"}, sub=VIN), None)
        server.behaviour.mode = "500"
        bad = router(ev.invoke("acme_parking_get_spot", {"spot_id": "spot-xintiandi"}, sub=VIN), None)
    assert ok["statusCode"] == 200 and bad["statusCode"] == 502
    (sent, _) = server.received
    signature = sent.headers["x-cockpit-signature"]
    assert f"api_key={API_KEY}" in sent.target  # the key did travel, in the query
    logged = logs.getvalue() + capsys.readouterr().out + "\n".join(r.getMessage() for r in caplog.records)
    assert '"message":"partner call"' in logged and '"operation":"getSpot"' in logged
    for secret in (API_KEY, SIGNING_KEY, signature.removeprefix("v1="), "spot-xintiandi", VIN):
        assert secret not in logged, secret
