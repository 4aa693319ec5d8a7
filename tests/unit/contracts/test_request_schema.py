"""contracts/contract-request.schema.json is the registry's request model, and the example partner
contracts make valid requests (their documents valid OpenAPI by the reference validator)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from registry.models import request_schema

ROOT = Path(__file__).resolve().parents[3]
SCHEMA_FILE = ROOT / "contracts" / "contract-request.schema.json"
EXAMPLES = sorted((ROOT / "contracts" / "examples").glob("*.openapi.*"))


def test_the_committed_schema_is_the_models() -> None:
    assert json.loads(SCHEMA_FILE.read_text()) == request_schema(), (
        "regenerate: see registry.models.request_schema"
    )


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_example_is_valid_openapi_and_makes_a_valid_request(path: Path) -> None:
    text = path.read_text()
    document: Any = json.loads(json.dumps(yaml.safe_load(text), default=str))
    document["paths"] = {
        p: {
            m: {**op, "responses": {str(k): v for k, v in op["responses"].items()}}
            if isinstance(op, dict) and "responses" in op
            else op
            for m, op in item.items()
        }
        for p, item in document["paths"].items()
    }
    validate(document)
    schema = json.loads(SCHEMA_FILE.read_text())
    Draft202012Validator.check_schema(schema)
    request = {
        "namespace": "example_partner",
        "display_name": document["info"]["title"],
        "openapi": text,
        "base_url": "https://api.partner.example",
        "auth": {"type": "none"},
    }
    assert list(Draft202012Validator(schema).iter_errors(request)) == []
    bad = {**request, "namespace": "Bad Name", "timeout_ms": 0, "auth": {"type": "api_key"}}
    assert {e.json_path for e in Draft202012Validator(schema).iter_errors(bad)} >= {
        "$.namespace",
        "$.timeout_ms",
    }
