"""Functional tests: handlers in-process, AWS from moto's mock_aws, built from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cockpit_dev.template import Template
from tests.support.aws import aws_from_template


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[Template]:
    """The router, charging and payments functions' environments, over one in-process AWS."""
    with aws_from_template(monkeypatch, "RouterFunction", "ChargingFunction", "PaymentsFunction") as template:
        yield template
