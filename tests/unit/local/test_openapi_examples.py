"""The OpenAPI document the docs page renders: a request example for every operation, every body example
valid against the operation's own schema, every parameter with an example, the local server listed."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from cockpit_dev.openapi import API_REFERENCES, EXAMPLES, LOCAL_SERVER, document, load


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    generated = document([load(r) for r in API_REFERENCES])
    validate(generated)
    return generated


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, ops in doc["paths"].items() for m, op in ops.items()]


def test_the_local_server_is_listed(doc: dict[str, Any]) -> None:
    assert doc["servers"] == [LOCAL_SERVER]


def test_every_operation_has_a_request_example(doc: dict[str, Any]) -> None:
    operations = _operations(doc)
    assert len(operations) >= 16
    for method, path, op in operations:
        assert op["operationId"] in EXAMPLES, f"{method} {path}: no entry in EXAMPLES"
        (sample,) = op["x-codeSamples"]
        assert sample["source"].startswith(f"curl -X {method} 'http://127.0.0.1:3000/"), (method, path)
        assert "{" not in sample["source"].split("'")[1], f"{method} {path}: a path parameter has no example"
        for param in op.get("parameters", []):
            assert "example" in param, f"{method} {path}: parameter {param['name']} has no example"
        if "requestBody" in op:
            assert op["requestBody"]["content"]["application/json"]["examples"], f"{method} {path}"


def test_every_body_example_fits_its_operations_schema(doc: dict[str, Any]) -> None:
    checked = 0
    for method, path, op in _operations(doc):
        media = op.get("requestBody", {}).get("content", {}).get("application/json")
        if not media:
            continue
        schema = {**media["schema"], "components": doc["components"]}
        validator = Draft202012Validator(schema)
        for name, example in media["examples"].items():
            errors = [e.message for e in validator.iter_errors(example["value"])]
            assert not errors, f"{method} {path} example {name}: {errors}"
            checked += 1
    assert checked >= 8


def test_a_wrong_example_would_be_caught(doc: dict[str, Any]) -> None:
    """The schema check above can fail: a turn with an unknown field is refused by TurnRequest."""
    media = doc["paths"]["/v1/sessions/{session_id}/turns"]["post"]["requestBody"]["content"][
        "application/json"
    ]
    validator = Draft202012Validator({**media["schema"], "components": doc["components"]})
    assert list(validator.iter_errors({"text": "hi", "speed": 3}))


def test_examples_name_only_operations_that_exist(doc: dict[str, Any]) -> None:
    assert set(EXAMPLES) == {op["operationId"] for _m, _p, op in _operations(doc)}
