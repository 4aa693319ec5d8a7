"""After the SAM transform (what CloudFormation receives), everything that invokes a SnapStart function
invokes its published alias, never $LATEST (which has no snapshot): API integrations, the authorizer,
the permissions, and the function names other functions call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    document = yaml_parse((ROOT / "template.yaml").read_text())
    for logical_id, resource in document["Resources"].items():  # as `sam package` leaves them
        for key in ("CodeUri", "ContentUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = f"s3://artifacts/{logical_id}.zip"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        translated: dict[str, Any] = transform(document, {}, _NoManagedPolicies())
    return translated["Resources"]  # type: ignore[no-any-return]


def _functions(resources: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resources.items() if v["Type"] == "AWS::Lambda::Function"}


def test_snapstart_on_every_function_of_a_tool_call(resources: dict[str, Any]) -> None:
    snap = {k: v["Properties"].get("SnapStart") for k, v in _functions(resources).items()}
    assert snap.pop("ContractsFunction") == {"ApplyOn": "None"}
    assert set(snap) == {
        "AuthorizerFunction", "RouterFunction", "ChargingFunction", "NavigationFunction",
        "BookingFunction", "PaymentsFunction", "AssistantFunction",
    }  # fmt: skip
    assert all(value == {"ApplyOn": "PublishedVersions"} for value in snap.values())
    for function in _functions(resources).values():
        assert function["Properties"]["Architectures"] == ["arm64"]
        assert function["Properties"]["Runtime"] == "python3.13"


def test_every_invocation_names_the_alias(resources: dict[str, Any]) -> None:
    aliases = {k for k, v in resources.items() if v["Type"] == "AWS::Lambda::Alias"}
    assert {f"{name}Aliaslive" for name in _functions(resources)} == aliases
    api = json.dumps(resources["CockpitApi"]["Properties"]["Body"])
    for name in _functions(resources):
        assert f"${{{name}.Arn}}" not in api and f'"{name}"' not in api  # integrations and authorizer
    assert "AuthorizerFunctionAliaslive" in api
    for key, permission in resources.items():
        if permission["Type"] == "AWS::Lambda::Permission":
            assert permission["Properties"]["FunctionName"]["Ref"] in aliases, key
    for key, function in _functions(resources).items():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        for name, value in variables.items():
            if name.endswith("_FUNCTION"):
                assert value["Ref"] in aliases, (key, name)
