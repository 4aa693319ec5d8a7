"""Health, the OpenAPI document (served = committed, valid 3.1), and the catalog endpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from cockpit.tools.catalog import first_party
from cockpit_dev.template import Template
from router.handler import app
from router.handler import lambda_handler as router
from tests.support import events as ev

ROOT = Path(__file__).resolve().parents[3]


def test_health_needs_no_token(gateway: Template) -> None:
    out = router(ev.api("GET", "/v1/health", role=None), None)
    assert out["statusCode"] == 200
    assert ev.body(out) == {"status": "ok", "version": "0.1.0"}


def test_served_openapi_is_the_committed_one_and_valid(gateway: Template) -> None:
    served = ev.body(router(ev.api("GET", "/v1/openapi.json", role=None), None))
    from cockpit_dev.openapi import API_REFERENCES, load, text

    generated = json.loads(text([load(r) for r in API_REFERENCES]))
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert committed == generated, "docs/openapi.json drifted from the code: run `make openapi`"
    assert {**served, "servers": generated["servers"]} == generated, (
        "cockpit/openapi.json (served) drifted from the code: run `make openapi`"
    )
    validate(served)
    assert served["openapi"].startswith("3.1")


@pytest.mark.parametrize(
    ("headers", "stage_path", "server"),
    [
        ({"Host": "abc123.execute-api.us-east-1.amazonaws.com"}, "/live/v1/openapi.json",
         "https://abc123.execute-api.us-east-1.amazonaws.com/live"),
        ({"Host": "127.0.0.1:3000", "X-Forwarded-Proto": "http"}, "/v1/openapi.json", "http://127.0.0.1:3000"),
        ({"Host": "api.example.com", "X-Forwarded-Proto": "https"}, "/cockpit/v1/openapi.json",
         "https://api.example.com/cockpit"),
    ],
)  # fmt: skip
def test_served_openapi_names_the_server_it_was_fetched_from(
    gateway: Template, headers: dict[str, str], stage_path: str, server: str
) -> None:
    event = ev.api("GET", "/v1/openapi.json", role=None, headers=headers)
    event["requestContext"]["path"] = stage_path
    served = ev.body(router(event, None))
    assert [s["url"] for s in served["servers"]] == [server]
    validate(served)


@pytest.mark.parametrize(
    "headers",
    [{"Host": "evil.example/x?"}, {"Host": "a b"}, {"Host": "x.example", "X-Forwarded-Proto": "javascript"}],
)
def test_a_host_that_is_not_plain_leaves_the_committed_local_server(
    gateway: Template, headers: dict[str, str]
) -> None:
    served = ev.body(router(ev.api("GET", "/v1/openapi.json", role=None, headers=headers), None))
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert served["servers"] == committed["servers"]


def test_openapi_agrees_with_api_md() -> None:
    from cockpit_dev.openapi import document

    doc = document([app])
    paths = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert {
        ("GET", "/v1/health"),
        ("GET", "/v1/openapi.json"),
        ("GET", "/v1/tools"),
        ("POST", "/v1/tools/{name}/invoke"),
        ("GET", "/v1/operations/{operation_id}"),
    } <= paths
    invoke = doc["paths"]["/v1/tools/{name}/invoke"]["post"]
    assert {"404", "409", "422", "502", "504"} <= set(invoke["responses"])
    assert invoke["security"] == [{"bearerAuth": []}]
    assert doc["paths"]["/v1/health"]["get"]["security"] == []


@pytest.mark.parametrize(
    ("fmt", "root"),
    [(None, "tools"), ("native", "tools"), ("openai", "tools"), ("bedrock", "toolConfig"), ("mcp", "tools")],
)
def test_catalog_in_every_format(gateway: Template, fmt: str | None, root: str) -> None:
    out = router(ev.api("GET", "/v1/tools", query={"format": fmt} if fmt else None), None)
    assert out["statusCode"] == 200
    doc = ev.body(out)
    tools = doc["tools"] if root == "tools" else doc["toolConfig"]["tools"]
    assert len(tools) == len(first_party())  # every first-party tool, each domain's included


def test_unknown_format_is_422_naming_the_parameter(gateway: Template) -> None:
    doc = ev.is_problem(router(ev.api("GET", "/v1/tools", query={"format": "xml"}), None), 422)
    assert doc["errors"][0]["parameter"] == "format"


def test_partners_and_admins_see_only_tools_they_may_call(gateway: Template) -> None:
    partner = ev.body(router(ev.api("GET", "/v1/tools", role="partner", sub="acme"), None))
    admin = ev.body(router(ev.api("GET", "/v1/tools", role="admin", sub="ops"), None))
    assert partner == {"tools": []}
    assert admin == {"tools": []}


def test_catalog_needs_a_caller(gateway: Template) -> None:
    ev.is_problem(router(ev.api("GET", "/v1/tools", role=None), None), 401)
