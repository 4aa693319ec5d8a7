"""In-process AWS for functional tests: moto's mock_aws, resources made from template.yaml itself,
each function's environment from the template, and Lambda Invoke served by the target handler
in-process (moto would need Docker to run a function)."""

from __future__ import annotations

import importlib
import io
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from moto import mock_aws

from cockpit import aws
from cockpit_dev import provision
from cockpit_dev.template import Template, load_template

ROOT = Path(__file__).resolve().parents[2]
WIDE_LIMITS = json.dumps(
    {k: {"per_minute": 60000, "burst": 10000} for k in ("vehicle", "read", "write", "payment", "partner")}
)


class _Raw(io.BytesIO):
    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self.getvalue()


def _handler(template: Template, name: str) -> Callable[[dict[str, Any], Any], Any]:
    fn = template.function_named(name)
    assert fn is not None, f"no function {name} in template.yaml"
    module, _, attr = fn.handler.rpartition(".")
    return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]


def serve_lambda_in_process(template: Template) -> None:
    """Answer the Lambda clients' Invoke calls by running the named handler here."""

    def invoke(request: Any, **_kwargs: Any) -> AWSResponse:
        name = unquote(request.url.split("/functions/")[1].split("/")[0])  # a name or a qualified ARN
        event = json.loads(request.body)
        try:
            body, headers = json.dumps(_handler(template, name)(event, None)).encode(), {}
        except Exception as exc:  # a crash is what Lambda reports as an unhandled function error
            body = json.dumps({"errorMessage": str(exc), "errorType": type(exc).__name__}).encode()
            headers = {"X-Amz-Function-Error": "Unhandled"}
        return AWSResponse(request.url, 200, HTTPHeaders.from_dict(headers), _Raw(body))

    # on the session: every Lambda client made from it (each timeout `aws.client_within` needs) is served
    # botocore-stubs type every event handler as returning None; a before-send handler that returns a
    # response answers the call (botocore's documented short-circuit), so the stub is too narrow here
    aws.session().events.register_first("before-send.lambda.Invoke", invoke)  # type: ignore[arg-type]


@contextmanager
def aws_from_template(
    monkeypatch: pytest.MonkeyPatch, *functions: str, parameters: Mapping[str, str] | None = None
) -> Iterator[Template]:
    """mock_aws with the template's tables, secrets, parameters and buckets, and the named functions'
    environment."""
    with mock_aws():
        template = load_template(ROOT / "template.yaml", parameters=dict(parameters or {}))
        clients = {s: boto3.client(s) for s in ("dynamodb", "secretsmanager", "ssm", "s3")}
        for table in template.tables.values():
            provision.ensure_table(clients["dynamodb"], table)
        physical: dict[str, str] = {}
        for secret in template.secrets.values():
            physical[secret.logical_id] = provision.ensure_secret(clients["secretsmanager"], secret)[1]
        for parameter in template.ssm_parameters.values():
            provision.ensure_parameter(clients["ssm"], parameter)
        for bucket in template.buckets.values():
            provision.ensure_bucket(clients["s3"], bucket, template.region)
        template = load_template(
            ROOT / "template.yaml", parameters=dict(parameters or {}), physical_ids=physical
        )
        for name in functions:
            fn = template.function_named(name)
            assert fn is not None
            for key, value in fn.environment.items():
                monkeypatch.setenv(key, value)
        if "RATE_LIMITS" in os.environ:
            # Functional tests check behaviour, not limits: a test making more calls than a car may is not
            # refused. The limits themselves are tested with their own settings (test_rate_limits) and,
            # over HTTP, with the template's buckets (tests/e2e/test_limits.py).
            monkeypatch.setenv("RATE_LIMITS", WIDE_LIMITS)
        serve_lambda_in_process(template)
        yield template


def snapshot(template: Template) -> dict[str, list[dict[str, Any]]]:
    """Every item of every table, to show that a refused request wrote nothing. The rate limiter's
    buckets (`RATE#…`) are left out: every call is counted, the refused ones too."""
    client = boto3.client("dynamodb")
    out: dict[str, list[dict[str, Any]]] = {}
    for table in template.tables.values():
        items = [
            i
            for page in client.get_paginator("scan").paginate(TableName=table.name)
            for i in page["Items"]
            if not i.get("pk", {}).get("S", "").startswith("RATE#")
        ]
        out[table.name] = sorted(items, key=lambda i: json.dumps(i, sort_keys=True))
    return out
