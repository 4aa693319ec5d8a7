"""Nothing deployed reaches into the development package, and the layer carries only what functions share.

`cockpit_dev` (dev/) is the local runtime, the `cockpit` command, the dev signing key and the OpenAPI
generator: it is never built into an artifact, so a deployed module that imported it would fail in Lambda.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOYED = (ROOT / "layers", ROOT / "functions")
DEV_PACKAGE = "cockpit_dev"


def dev_references(source: str) -> list[str]:
    """Every way a module names the development package: imports, and strings such as
    `importlib.import_module("cockpit_dev.x")` or `python -m cockpit_dev.worker`."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == DEV_PACKAGE]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [node.module] if node.module.split(".")[0] == DEV_PACKAGE else []
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [repr(node.value)] if re.search(rf"\b{DEV_PACKAGE}\b", node.value) else []
    return found


def test_the_detector_sees_each_way_of_naming_the_dev_package() -> None:
    assert dev_references("import cockpit_dev.runtime") == ["cockpit_dev.runtime"]
    assert dev_references("from cockpit_dev import devkeys") == ["cockpit_dev"]
    assert dev_references("import importlib\nimportlib.import_module('cockpit_dev.cli')")
    assert dev_references("import cockpit\nfrom cockpit import openapi\nx = 'cockpit_devious'") == []


def test_no_deployed_module_imports_the_dev_package() -> None:
    modules = [path for root in DEPLOYED for path in root.rglob("*.py")]
    assert len(modules) > 100  # the whole layer and every function, not an empty glob
    offenders = {
        str(path.relative_to(ROOT)): refs
        for path in modules
        if (refs := dev_references(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_dev_package_lives_outside_what_sam_builds() -> None:
    assert (ROOT / "dev" / DEV_PACKAGE / "runtime.py").is_file()
    assert not (ROOT / "layers" / "cockpit" / "cockpit" / "local").exists()
    template = (ROOT / "template.yaml").read_text()
    built_from = [Path(p) for p in re.findall(r"(?:CodeUri|ContentUri): (\S+)", template)]
    assert built_from
    assert all(p.parts[0] in {"layers", "functions"} for p in built_from)


def _names(requirements: Path) -> set[str]:
    lines = (line.split("#")[0].strip() for line in requirements.read_text().splitlines())
    return {re.split(r"[=<>!~\[ ]", line)[0].lower() for line in lines if line and not line.startswith("-")}


def test_jwt_and_cryptography_ship_only_with_the_functions_that_use_them() -> None:
    """PyJWT: the authorizer alone. cryptography: the authorizer (RS256) and the router (AES-GCM for MCP
    requestState), each pinning it in its own requirements; never the layer, never anything else."""
    signing = {"pyjwt", "cryptography"}
    assert not signing & _names(ROOT / "layers" / "cockpit" / "requirements.txt")
    assert signing <= _names(ROOT / "functions" / "authorizer" / "requirements.txt")
    assert signing & _names(ROOT / "functions" / "router" / "requirements.txt") == {"cryptography"}
    users = {
        (str(path.relative_to(ROOT)), found)
        for root in DEPLOYED
        for path in root.rglob("*.py")
        for found in re.findall(
            r"^\s*(?:import|from) (jwt|cryptography)\b", path.read_text(encoding="utf-8"), re.M
        )
    }
    assert users == {
        ("functions/authorizer/authorizer/verifier.py", "jwt"),
        ("functions/router/router/request_state.py", "cryptography"),
    }
