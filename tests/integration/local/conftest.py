"""The local runtime against real processes: a moto server on a free port, and `cockpit run` serving
the fixture application in tests/support/localfn (its own functions, authorizer, table, secrets)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config

from cockpit_dev import aws_endpoint, lambda_auth
from cockpit_dev.lambda_auth import LocalCredential
from cockpit_dev.net import free_port
from tests.support import localfn
from tests.support.local_gateway import GatewayProcess, launch

STACK = "itest"
DEVELOPER_ONLY = "LOCALFN_DEVELOPER_ONLY"  # set for `cockpit run`, not in the template


@pytest.fixture(scope="session")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    endpoint = aws_endpoint.start_moto(free_port(), tmp_path_factory.mktemp("moto") / "moto.log")
    yield endpoint.url
    endpoint.stop()
    assert endpoint.process is None


@pytest.fixture(scope="session")
def fixture_gateway(moto_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    """`cockpit run --template tests/support/localfn/template.yaml` on free ports, using the moto above."""
    home = tmp_path_factory.mktemp("home")
    gateway = launch(
        home=home,
        log_dir=home / "logs",
        template=localfn.TEMPLATE,
        stack_name=STACK,
        aws_port=int(moto_url.rsplit(":", 1)[1]),
        env={DEVELOPER_ONLY: "from the developer's shell"},
    )
    yield gateway
    assert gateway.stop() == 0, gateway.output()


@pytest.fixture
def api(fixture_gateway: GatewayProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fixture_gateway.api_url, timeout=15) as client:
        yield client


def aws_client(
    service: str, endpoint_url: str, read_timeout: float = 15, credential: LocalCredential | None = None
) -> Any:
    config = Config(read_timeout=read_timeout, retries={"max_attempts": 1}, connect_timeout=2)
    key = credential or LocalCredential("testing", "testing")  # moto accepts any
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
        config=config,
    )


def runtime_credential(gateway: GatewayProcess) -> LocalCredential:
    """The runtime's own credential, as a developer tool on the host reads it from .cockpit/."""
    assert gateway.home is not None
    return lambda_auth.credential(gateway.home)


@pytest.fixture
def lambda_client(fixture_gateway: GatewayProcess) -> Any:
    return aws_client(
        "lambda", fixture_gateway.url.lambda_url, credential=runtime_credential(fixture_gateway)
    )


@pytest.fixture
def dynamodb(moto_url: str) -> Any:
    return aws_client("dynamodb", moto_url)
