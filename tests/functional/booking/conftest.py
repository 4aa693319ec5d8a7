"""The router and the booking function over one in-process AWS (moto), built from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cockpit_dev.template import Template
from tests.support.aws import aws_from_template


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[Template]:
    with aws_from_template(monkeypatch, "RouterFunction", "BookingFunction", "PaymentsFunction") as template:
        yield template
