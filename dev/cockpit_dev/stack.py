"""What CloudFormation receives from `sam package` + the SAM transform, built offline.

`packaged` replaces each local CodeUri/ContentUri with an s3:// URI (what `sam package` uploads and
writes), `transformed` runs aws-sam-translator on that (what CloudFormation's
AWS::Serverless-2016-10-31 transform does), and `main` lints the result with cfn-lint, so a template
that only looks right as SAM source (a dependency cycle, a bad property after expansion) fails CI.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT_BUCKET = "cockpit-gateway-artifacts"
# Properties `sam package` uploads (the ones this template uses), by resource type.
_LOCAL_PATHS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}


class TemplateCheckError(Exception):
    """The template does not transform, or the transformed template does not lint."""


def load(path: Path) -> dict[str, Any]:
    """The template as plain data, intrinsics in their long form (as CloudFormation reads YAML)."""
    from samtranslator.yaml_helper import yaml_parse  # the translator's own YAML reading (short tags)

    document: dict[str, Any] = yaml_parse(path.read_text(encoding="utf-8"))
    return document


Upload = Callable[[Path, str], None]


def packaged(
    template: dict[str, Any],
    bucket: str = ARTIFACT_BUCKET,
    *,
    base: Path = ROOT,
    upload: Upload | None = None,
) -> dict[str, Any]:
    """`sam package`: every local folder becomes an object in the artifacts bucket (`upload(folder, key)`
    puts it there; without it only the template changes)."""
    document = copy.deepcopy(template)
    for logical_id, resource in (document.get("Resources") or {}).items():
        prop = _LOCAL_PATHS.get(resource.get("Type", ""))
        if prop is None:
            continue
        props = resource.setdefault("Properties", {})
        local = props.get(prop, ".")
        if isinstance(local, str) and not local.startswith("s3://"):
            key = f"{logical_id}/{local.strip('/').replace('/', '-') or 'root'}.zip"
            if upload is not None:
                upload((base / local).resolve(), key)
            props[prop] = f"s3://{bucket}/{key}"
    return document


class _NoManagedPolicies:
    """Managed policy names would need IAM's list; the template uses ARNs and inline statements only."""

    def load(self) -> dict[str, str]:
        return {}


def transformed(template: dict[str, Any], parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """The SAM transform of a packaged template, offline."""
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.translator.transform import transform

    try:
        result: dict[str, Any] = transform(
            copy.deepcopy(template),
            dict(parameters or {}),
            _NoManagedPolicies(),  # type: ignore[arg-type,unused-ignore]
        )
    except InvalidDocumentException as exc:
        causes = "; ".join(str(cause) for cause in exc.causes)
        raise TemplateCheckError(f"the SAM transform refused the template: {causes}") from exc
    return result


def lint(document: dict[str, Any], path: Path) -> list[str]:
    """cfn-lint's findings on a (transformed) template written to `path`; empty when clean."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    run = subprocess.run(  # noqa: S603 - our own venv's cfn-lint on our own file
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return [line for line in run.stdout.splitlines() if line.strip()]


def parameter_problems(template: dict[str, Any], given: dict[str, str]) -> list[str]:
    """What CloudFormation refuses before creating anything, for these parameter values: unknown
    parameters, a value outside AllowedValues / AllowedPattern / MinValue..MaxValue / the lengths, and
    every Rules assertion that fails (its AssertDescription names the parameter)."""
    declared: dict[str, Any] = template.get("Parameters") or {}
    problems = [f"{name}: not a parameter of this template" for name in sorted(set(given) - set(declared))]
    values: dict[str, str] = {}
    for name, spec in declared.items():
        if name not in given and "Default" not in spec:
            problems.append(f"{name}: required (no default)")
            continue
        value = str(given.get(name, spec.get("Default")))
        values[name] = value
        problems += [f"{name}: {p}" for p in _constraint_problems(spec, value)]
    return problems + rule_problems(template, values)


def rule_problems(template: dict[str, Any], values: dict[str, str]) -> list[str]:
    """The template's Rules assertions that fail for these values (every parameter's value given)."""
    problems = []
    for rule_name, rule in (template.get("Rules") or {}).items():
        if "RuleCondition" in rule and not _truth(rule["RuleCondition"], values):
            continue
        for assertion in rule.get("Assertions") or []:
            if not _truth(assertion["Assert"], values):
                problems.append(f"{rule_name}: {assertion.get('AssertDescription', 'assertion failed')}")
    return problems


def _constraint_problems(spec: dict[str, Any], value: str) -> list[str]:
    problems = []
    allowed = [str(v) for v in spec.get("AllowedValues") or []]
    if allowed and value not in allowed:
        problems.append(f"{value!r} is not one of {allowed}")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and re.fullmatch(str(pattern), value) is None:
        problems.append(spec.get("ConstraintDescription") or f"{value!r} does not match {pattern}")
    if spec.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError:
            return [*problems, f"{value!r} is not a number"]
        if not float(spec.get("MinValue", number)) <= number <= float(spec.get("MaxValue", number)):
            problems.append(f"{value} is outside {spec.get('MinValue')}..{spec.get('MaxValue')}")
    if not int(spec.get("MinLength", 0)) <= len(value) <= int(spec.get("MaxLength", len(value))):
        problems.append(f"the length {len(value)} is outside MinLength..MaxLength")
    return problems


def _truth(expression: Any, values: dict[str, str]) -> bool:
    """A rule function (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::Contains) over parameter values."""
    ((name, argument),) = expression.items()
    if name == "Fn::Equals":
        left, right = (_value(a, values) for a in argument)
        return left == right
    if name == "Fn::Not":
        return not _truth(argument[0], values)
    if name == "Fn::And":
        return all(_truth(a, values) for a in argument)
    if name == "Fn::Or":
        return any(_truth(a, values) for a in argument)
    if name == "Fn::Contains":
        return _value(argument[1], values) in [_value(a, values) for a in argument[0]]
    raise TemplateCheckError(f"rule function {name} is not supported here")


def _value(argument: Any, values: dict[str, str]) -> str:
    if isinstance(argument, dict) and set(argument) == {"Ref"}:
        return values[argument["Ref"]]
    return str(argument)


# -- creating the stack on an emulator's CloudFormation (moto's server; LocalStack has `sam deploy`) ----

# Types moto's CloudFormation refuses, taken out before the template is sent (with what depends on them).
EMULATOR_REFUSES = {
    "AWS::ApiGateway::Deployment": (
        "moto's CloudFormation RestApi ignores Body (SAM's OpenAPI definition), so the API has no methods "
        "and moto refuses the deployment ('The REST API doesn't contain any methods')"
    ),
    "AWS::ApiGateway::Stage": "needs the deployment above",
    "AWS::Lambda::Alias": (
        "moto has no CloudFormation model for Lambda aliases (SnapStart's AutoPublishAlias): for the "
        "emulator, what names an alias names its function instead"
    ),
}


def for_the_emulator(document: dict[str, Any]) -> dict[str, Any]:
    """The template without the types the emulator refuses; nothing else may depend on them (but a
    reference to an alias, which becomes one to its function)."""
    document = _aliases_as_functions(document)
    gone = [k for k, v in document["Resources"].items() if v["Type"] in EMULATOR_REFUSES]
    kept = {k: v for k, v in document["Resources"].items() if k not in gone}
    dangling = sorted(k for k, v in kept.items() if any(f'"{g}"' in json.dumps(v) for g in gone))
    if dangling:
        raise TemplateCheckError(f"{dangling} depend on resources the emulator cannot create: {gone}")
    return {**document, "Resources": kept}


def _aliases_as_functions(document: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(document)
    for logical_id, resource in document["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Alias":
            function = resource["Properties"]["FunctionName"]["Ref"]
            # where an ARN is wanted (an EventBridge target), the function's ARN; elsewhere its name
            text = text.replace(
                json.dumps({"Arn": {"Ref": logical_id}})[1:-1],
                json.dumps({"Arn": {"Fn::GetAtt": [function, "Arn"]}})[1:-1],
            )
            text = text.replace(json.dumps({"Ref": logical_id}), json.dumps({"Ref": function}))
            text = text.replace("${" + logical_id + "}", "${" + function + ".Arn}")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def zip_uploader(s3: Any, bucket: str) -> Upload:
    """`upload` for `packaged`: each folder zipped (as `sam package` does) into the bucket."""

    def upload(folder: Path, key: str) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    archive.write(path, path.relative_to(folder))
        s3.put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())

    return upload


def create_stack(
    cloudformation: Any, document: dict[str, Any], name: str, parameters: dict[str, str], wait_s: float = 120
) -> tuple[str, str]:
    """Create the stack and wait: (final status, reason); ("REFUSED", why) when it is refused at once."""
    try:
        cloudformation.create_stack(
            StackName=name,
            TemplateBody=json.dumps(document),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            Capabilities=["CAPABILITY_IAM"],
        )
    except Exception as exc:  # moto creates synchronously: a failure comes back as the call's error
        return "REFUSED", str(exc)
    deadline = time.monotonic() + wait_s
    while True:
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            return str(stack["StackStatus"]), str(stack.get("StackStatusReason", ""))
        time.sleep(0.5)


def deploy(endpoint: str, stack_name: str, parameters: dict[str, str], template: Path) -> int:
    """`sam package` + the transform + CreateStack against an emulator endpoint; prints what was created
    and which resource types the emulator did not create."""
    import boto3

    source = load(template)
    problems = parameter_problems(source, parameters)
    if problems:
        print("refused before creating anything:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region)
    cloudformation = boto3.client("cloudformation", endpoint_url=endpoint, region_name=region)
    bucket = f"{stack_name}-artifacts".lower()
    s3.create_bucket(Bucket=bucket)
    document = transformed(packaged(source, bucket, base=template.parent, upload=zip_uploader(s3, bucket)))
    status, reason = create_stack(cloudformation, for_the_emulator(document), stack_name, parameters)
    print(f"{stack_name}: {status} {reason}".rstrip())
    if status != "CREATE_COMPLETE":
        return 1
    created = cloudformation.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    have = {r["LogicalResourceId"] for r in created}
    print(f"{len(created)} resources created")
    not_created = sorted(
        {v["Type"] for k, v in document["Resources"].items() if k not in have and "Condition" not in v}
    )
    for kind in not_created:
        print(f"  not created by this emulator: {kind} {EMULATOR_REFUSES.get(kind, '')}".rstrip())
    return 0


def _deploy_on_moto(url: str, stack_name: str, parameters: dict[str, str], template: Path) -> int:
    """`deploy`, on moto's server started for the purpose when nothing answers at the URL's port."""
    from urllib.parse import urlsplit

    from cockpit_dev import aws_endpoint, devkeys

    port = urlsplit(url).port or 4566
    endpoint = aws_endpoint.ensure(port, devkeys.home() / f"moto-{port}.log")
    try:
        code = deploy(endpoint.url, stack_name, parameters, template)
    finally:
        if endpoint.started_here:
            print(f"(moto's server on {endpoint.url} was started for this and stops now: the stack goes too)")
            endpoint.stop()
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml", help="the SAM template")
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / ".aws-sam" / "transformed.json",
        help="where to write the transformed template (default .aws-sam/transformed.json)",
    )
    parser.add_argument(
        "--deploy-to", metavar="URL", help="create the stack on this emulator endpoint instead"
    )
    parser.add_argument(
        "--stack-name", default="cockpit-gateway-local", help="with --deploy-to: the stack's name"
    )
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="with --deploy-to: a template parameter (repeatable)",
    )
    parser.add_argument("--start-moto", action="store_true", help="start moto's server if nothing answers")
    args = parser.parse_args(argv)
    if args.deploy_to:
        given = dict(p.split("=", 1) for p in args.parameter)
        if not (given.get("JwksJson") or given.get("JwksUrl")):
            from cockpit_dev import devkeys  # tokens from `cockpit token` verify there

            given["JwksJson"] = json.dumps(devkeys.jwks())
        if not args.start_moto:
            return deploy(args.deploy_to, args.stack_name, given, args.template)
        return _deploy_on_moto(args.deploy_to, args.stack_name, given, args.template)
    try:
        document = transformed(packaged(load(args.template)))
    except TemplateCheckError as exc:
        print(exc, file=sys.stderr)
        return 1
    findings = lint(document, args.output)
    for finding in findings:
        print(finding)
    resources = len(document["Resources"])
    print(f"{args.output}: {resources} resources after the SAM transform, {len(findings)} cfn-lint findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
