"""`make template-check` lints what CloudFormation receives: the template after `sam package` and the
SAM transform. These prove that check can fail: the cycle issue 15 found, put back, is caught."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from cockpit_dev import stack as cfn

ROOT = Path(__file__).resolve().parents[2]
SOURCE = cfn.load(ROOT / "template.yaml")


def test_package_points_every_local_folder_at_the_artifacts_bucket() -> None:
    packaged = cfn.packaged(SOURCE)
    for logical_id, resource in packaged["Resources"].items():
        prop = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}.get(
            resource["Type"]
        )
        if prop:
            assert resource["Properties"][prop].startswith(f"s3://{cfn.ARTIFACT_BUCKET}/{logical_id}/")
    assert SOURCE["Resources"]["RouterFunction"]["Properties"]["CodeUri"] == "functions/router/"  # a copy


def test_the_transform_makes_one_stage_and_one_authorizer_permission() -> None:
    """(`make template-check` lints this same document.)"""
    document = cfn.transformed(cfn.packaged(SOURCE))
    assert "Transform" not in document
    kinds = [r["Type"] for r in document["Resources"].values()]
    assert kinds.count("AWS::ApiGateway::Stage") == 1
    permissions = [
        r["Properties"] for r in document["Resources"].values() if r["Type"] == "AWS::Lambda::Permission"
    ]
    authorizer = [
        p
        for p in permissions
        if p["FunctionName"] == {"Ref": "AuthorizerFunctionAliaslive"}  # SnapStart alias
    ]
    assert len(authorizer) == 1


def test_a_dependency_cycle_only_the_transform_shows_fails_the_check(tmp_path: Path) -> None:
    broken = copy.deepcopy(SOURCE)
    env = broken["Resources"]["ChargingFunction"]["Properties"]["Environment"]["Variables"]
    env["PUBLIC_BASE_URL_PARAMETER"] = {"Ref": "PublicBaseUrlParameter"}  # issue 15's cycle, put back
    findings = cfn.lint(cfn.transformed(cfn.packaged(broken)), tmp_path / "transformed.json")
    assert any(":E3004:" in f and "PublicBaseUrlParameter" in f for f in findings), findings
    source = tmp_path / "template.yaml"
    source.write_text(
        (ROOT / "template.yaml")
        .read_text()
        .replace(
            '!Sub "/cockpit-gateway/${AWS::StackName}/public-base-url"  # never',
            "!Ref PublicBaseUrlParameter  #",
        )
    )
    assert cfn.main(["--template", str(source), "--output", str(tmp_path / "out.json")]) == 1


def test_a_template_the_transform_refuses_fails_the_check() -> None:
    broken = copy.deepcopy(SOURCE)
    broken["Resources"]["RouterFunction"]["Properties"]["Events"]["Health"]["Properties"]["RestApiId"] = {
        "Ref": "NoSuchApi"
    }
    with pytest.raises(cfn.TemplateCheckError, match="RestApiId must be a valid reference"):
        cfn.transformed(cfn.packaged(broken))
