"""What CloudFormation receives from `sam package` + the SAM transform, built offline.

`packaged` replaces each local CodeUri/ContentUri with an s3:// URI (what `sam package` uploads and
writes), `transformed` runs aws-sam-translator on that (what CloudFormation's
AWS::Serverless-2016-10-31 transform does), and `main` lints the result with cfn-lint, so a template
that only looks right as SAM source (a dependency cycle, a bad property after expansion) fails CI.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--output", type=Path, default=ROOT / ".aws-sam" / "transformed.json")
    args = parser.parse_args(argv)
    try:
        document = transformed(packaged(load(args.template)))
    except TemplateCheckError as exc:
        print(exc, file=sys.stderr)
        return 1
    findings = lint(document, args.output)
    for finding in findings:
        print(finding)
    print(
        f"{args.output}: {len(document['Resources'])} resources after the SAM transform, "
        f"{len(findings)} cfn-lint findings"
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
