"""Partner writes under real concurrency, against a real AWS endpoint (moto server by default): one
Idempotency-Key and one confirmation raced twenty times reach the partner once; secrets come from the
endpoint's Secrets Manager."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import boto3
import pytest

from cockpit.confirmations import DynamoConfirmationStore
from cockpit.dispatch.core import Dispatcher, ToolCall
from cockpit.dispatch.targets import Targets
from cockpit.errors import ProblemError
from cockpit.idempotency import DynamoIdempotencyStore
from cockpit.partners.auth import OutboundAuthenticator
from cockpit.partners.catalog import PartnerCatalog
from cockpit.partners.secrets import SecretsManagerReader
from cockpit.partners.target import PartnerCaller
from cockpit.partners.transport import pinned_client
from cockpit.tools.catalog import first_party
from cockpit.tools.model import Caller, Role
from cockpit_dev.template import Template
from tests.integration.test_concurrency import N, race
from tests.support.partner_server import PartnerServer
from tests.support.partners import SIGNING_KEY, FakePartnerToolSource, parking_tools, verify_signature

RESERVE = "acme_parking_create_reservation"


@pytest.fixture
def server() -> Iterator[PartnerServer]:
    with PartnerServer() as s:
        yield s


def dispatcher(stack: Template, server: PartnerServer) -> Dispatcher:
    arn = boto3.client("secretsmanager").create_secret(
        Name=f"{stack.stack_name}/partners/{uuid.uuid4().hex[:6]}",
        SecretString=json.dumps({"key": SIGNING_KEY}),
    )["ARN"]
    client, secrets = pinned_client(dev_mode=True), SecretsManagerReader()
    auth = OutboundAuthenticator(secrets, client)
    caller = PartnerCaller(
        client=client, secrets=secrets, authenticator=auth, subject_key=lambda: b"gateway-key", dev_mode=True
    )
    catalog = PartnerCatalog(
        first_party(), FakePartnerToolSource(parking_tools(server.base_url, signing_arn=arn)), lambda: caller
    )
    table = stack.tables["IdempotencyTable"].name
    return Dispatcher(
        catalog=catalog,
        targets=Targets({}),
        idempotency=DynamoIdempotencyStore(table),
        confirmations=DynamoConfirmationStore(table),
    )


def test_a_confirmed_partner_write_raced_twenty_times_reaches_the_partner_once(
    stack: Template, server: PartnerServer
) -> None:
    gateway = dispatcher(stack, server)
    car = Caller(sub=f"vin-race-{uuid.uuid4().hex[:6]}", role=Role.VEHICLE)
    args = {"spot_id": "spot-renmin-1", "hours": 1}
    key = uuid.uuid4().hex
    asked = gateway.invoke(ToolCall(tool=RESERVE, arguments=args, caller=car, idempotency_key=key))
    assert asked.status == "confirmation_required" and asked.confirmation is not None
    token = asked.confirmation.token

    def attempt(_i: int) -> str:
        call = ToolCall(
            tool=RESERVE, arguments=args, caller=car, idempotency_key=key, confirmation_token=token
        )
        answer = gateway.invoke(call)
        assert answer.result is not None
        return str(answer.result["reservation_id"])

    outcomes = race(N, attempt)
    done = {o for o in outcomes if isinstance(o, str)}
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(done) == 1 and all(isinstance(e, ProblemError) and e.status == 409 for e in refused), outcomes
    (got,) = server.received  # one POST, whatever the interleaving
    assert got.method == "POST" and json.loads(got.body) == args
    assert verify_signature(SIGNING_KEY, "POST", got.target, got.headers, got.body).ok
