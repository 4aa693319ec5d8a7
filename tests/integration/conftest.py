"""Integration tests run against an AWS endpoint: moto's server on 127.0.0.1:4566 (started if nothing
answers there), or LocalStack / another endpoint named by COCKPIT_AWS_ENDPOINT. Each run provisions
its own stack's tables from template.yaml, so it never touches a developer's running gateway data."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit_dev import aws_endpoint, provision
from cockpit_dev.template import Template, load_template

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def aws_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    given = os.environ.get("COCKPIT_AWS_ENDPOINT")
    if given:
        yield given
        return
    endpoint = aws_endpoint.ensure(4566, tmp_path_factory.mktemp("moto") / "moto.log")
    yield endpoint.url
    endpoint.stop()


@pytest.fixture(scope="session")
def stack(aws_url: str) -> Template:
    name = f"it-{uuid.uuid4().hex[:8]}"
    template = load_template(ROOT / "template.yaml", stack_name=name)
    provision.provision(template, aws_url)
    return template


@pytest.fixture(autouse=True)
def _endpoint(aws_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_url)
