"""Shared test set-up: a fake AWS identity so nothing can reach a real account by accident."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_METRICS_NAMESPACE": "CockpitGatewayTest",
    "POWERTOOLS_TRACE_DISABLED": "true",
}.items():
    os.environ.setdefault(_name, _value)


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Settings and boto3 clients are cached per container; each test is a fresh container."""
    from cockpit import deadline
    from cockpit.settings import reset_container

    reset_container()
    deadline.start(None)  # no invocation's deadline outlives its test
    yield
    reset_container()
    deadline.start(None)  # no invocation's deadline outlives its test
