"""E2E fixtures: the gateway over HTTP.

By default a fresh `cockpit run` (free ports for API, Lambda and AWS, so a developer's `make run` is
never disturbed; its own COCKPIT_HOME, hence its own dev signing key). With COCKPIT_E2E_URL set, the
tests drive that deployment instead (LocalStack or AWS) with tokens from COCKPIT_E2E_TOKEN_<ROLE>
and, if given, the AWS endpoint in COCKPIT_E2E_AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from cockpit_dev import devkeys
from tests.support.local_gateway import GatewayProcess, GatewayUrl, launch

REMOTE_URL = os.environ.get("COCKPIT_E2E_URL", "").rstrip("/")

TokenFactory = Callable[..., str]
GatewayFactory = Callable[[Mapping[str, str]], GatewayUrl]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test here is e2e. Against a deployment (COCKPIT_E2E_URL), tests that need a local runtime
    or tokens minted with its dev key (other subjects, forged claims) are deselected, not skipped."""
    ours = [item for item in items if "tests/e2e/" in str(item.path).replace(os.sep, "/")]
    for item in ours:
        item.add_marker(pytest.mark.e2e)
    if REMOTE_URL:
        local_only = [item for item in ours if item.get_closest_marker("local_only")]
        if local_only:
            config.hook.pytest_deselected(items=local_only)
            items[:] = [item for item in items if item not in local_only]


@pytest.fixture(scope="session")
def cockpit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """COCKPIT_HOME of the local runtimes started here; the dev key is made before any runtime starts."""
    home = tmp_path_factory.mktemp("cockpit-home")
    devkeys.jwks(home)
    return home


@pytest.fixture(scope="session")
def start_gateway_factory(
    cockpit_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[Mapping[str, str]], GatewayProcess]]:
    """Starts local runtimes (one per distinct parameter set) and stops them all at the end."""
    started: dict[frozenset[tuple[str, str]], GatewayProcess] = {}

    def start(parameters: Mapping[str, str]) -> GatewayProcess:
        key = frozenset(parameters.items())
        if key not in started:
            logs = tmp_path_factory.mktemp("cockpit-run")
            started[key] = launch(home=cockpit_home, log_dir=logs, parameters=parameters)
        return started[key]

    yield start
    failures = []
    for gateway in started.values():
        code = gateway.stop()
        if code != 0:
            failures.append(f"cockpit run exited with {code}\n{gateway.output()}")
    assert not failures, "\n".join(failures)


@pytest.fixture(scope="session")
def gateway_url(start_gateway_factory: Callable[[Mapping[str, str]], GatewayProcess]) -> GatewayUrl:
    """Base URL of the API under test (a GatewayUrl: also has .lambda_url and .aws_endpoint_url)."""
    if REMOTE_URL:
        return GatewayUrl(REMOTE_URL, "", os.environ.get("COCKPIT_E2E_AWS_ENDPOINT_URL", ""))
    return start_gateway_factory({}).url


@pytest.fixture(scope="session")
def start_gateway(start_gateway_factory: Callable[[Mapping[str, str]], GatewayProcess]) -> GatewayFactory:
    """`start_gateway({"ChargingProvider": "ocpi", ...}) -> url`: another local runtime with those
    template parameter overrides (same dev key), on its own ports and its own AWS endpoint."""
    if REMOTE_URL:
        pytest.fail("start_gateway needs the local runtime: mark the test local_only")

    def start(parameters: Mapping[str, str]) -> GatewayUrl:
        return start_gateway_factory(dict(parameters)).url

    return start


@pytest.fixture(scope="session")
def token(cockpit_home: Path) -> TokenFactory:
    """`token(role, sub, **claims) -> str`: a bearer token the gateway accepts (claims override the
    standard ones, e.g. exp=..., aud=...)."""

    def make(role: str, sub: str, **claims: Any) -> str:
        if REMOTE_URL:
            found = os.environ.get(f"COCKPIT_E2E_TOKEN_{role.upper()}")
            if not found or claims:
                pytest.fail(
                    f"against {REMOTE_URL}, set COCKPIT_E2E_TOKEN_{role.upper()} (tests that forge "
                    "claims must be marked local_only)"
                )
            return found
        now = int(time.time())
        standard = {
            "sub": sub,
            "role": role,
            "iss": devkeys.DEV_ISSUER,
            "aud": devkeys.DEV_AUDIENCE,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "jti": uuid.uuid4().hex,
        }
        return devkeys.sign({**standard, **claims}, folder=cockpit_home)

    return make


@pytest.fixture
def http(gateway_url: GatewayUrl) -> Iterator[httpx.Client]:
    """An HTTP client for the gateway under test."""
    with httpx.Client(base_url=str(gateway_url), timeout=httpx.Timeout(30.0, connect=5.0)) as client:
        yield client
