"""What no tool checks in template.yaml: handlers resolve, every variable a function reads is set,
and the tables are production-grade (on demand, TTL, encryption, point-in-time recovery)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

from cockpit.settings import EnvSettings
from cockpit_dev.template import Function, load_template, load_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
RAW = load_yaml(ROOT / "template.yaml")
FUNCTIONS = list(TEMPLATE.functions.values())
# Read by the layer in every function: Powertools' own variables, and the layer's settings models.
LAYER_ENV = {"POWERTOOLS_LOG_LEVEL"}
# Layer modules only the functions that import them read (dispatch: the router and the assistant).
OPT_IN = {"cockpit.dispatch.wiring"}


def _imports(fn: Function, module: str) -> bool:
    package = fn.code_uri / fn.handler.split(".")[0]
    return any(module in path.read_text() for path in package.rglob("*.py"))


def settings_classes(package: str) -> list[type[EnvSettings]]:
    """Every EnvSettings model defined in a package (the local runtime is developer tooling, not deployed)."""
    pkg = importlib.import_module(package)
    found: list[type[EnvSettings]] = []
    for info in pkgutil.walk_packages(pkg.__path__, package + "."):
        if ".local" in info.name:
            continue
        module = importlib.import_module(info.name)
        found += [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, EnvSettings) and v.__module__ == info.name
        ]
    return found


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.logical_id)
def test_handler_resolves_to_a_function_under_its_code_uri(fn: Function) -> None:
    module, _, attr = fn.handler.rpartition(".")
    source = fn.code_uri / (module.replace(".", "/") + ".py")
    assert source.is_file(), f"{fn.logical_id}: {source} does not exist"
    tree = ast.parse(source.read_text())
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert attr in defined, f"{fn.logical_id}: {module} defines no function {attr}"
    assert fn.runtime == "python3.13"


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.logical_id)
def test_every_variable_a_function_reads_is_set_for_it(fn: Function) -> None:
    package = fn.handler.split(".")[0]
    classes = settings_classes(package)
    assert classes, f"{package} declares no settings"
    classes += [
        c for c in settings_classes("cockpit") if c.__module__ not in OPT_IN or _imports(fn, c.__module__)
    ]
    wanted = set(LAYER_ENV)
    for cls in classes:
        wanted |= set(cls.env_names())
    missing = sorted(wanted - set(fn.environment))
    assert not missing, f"{fn.logical_id} reads {missing} but template.yaml does not set them"


SOURCE_DIRS = [ROOT / "functions", ROOT / "layers" / "cockpit" / "cockpit"]
ENV_READ = re.compile(r"os\.environ|os\.getenv|getenv\(")
# Settings models are the one place that reads the environment; the local runtime is developer tooling.
ALLOWED = {"settings.py"}


def test_only_settings_read_the_environment() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in SOURCE_DIRS
        for path in folder.rglob("*.py")
        if "local" not in path.parts and path.name not in ALLOWED and ENV_READ.search(path.read_text())
    ]
    assert offenders == []


def resources(kind: str) -> dict[str, dict]:
    return {k: v for k, v in RAW["Resources"].items() if v["Type"] == kind}


@pytest.mark.parametrize("name", sorted(resources("AWS::DynamoDB::Table")))
def test_tables_are_on_demand_encrypted_recoverable_and_expire(name: str) -> None:
    props = RAW["Resources"][name]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_rest_api_with_a_token_authorizer_and_an_api_url_output() -> None:
    (api,) = resources("AWS::Serverless::Api").values()
    auth = api["Properties"]["Auth"]
    authorizer = auth["Authorizers"][auth["DefaultAuthorizer"]]
    assert authorizer["FunctionPayloadType"] == "TOKEN"
    assert "ApiUrl" in RAW["Outputs"]
    assert not resources("AWS::Serverless::HttpApi")


def test_public_routes_are_exactly_health_openapi_and_the_ocpi_callback() -> None:
    public = {(r.method, r.path) for r in TEMPLATE.routes if r.authorizer is None}
    assert public == {
        ("GET", "/v1/health"),
        ("GET", "/v1/openapi.json"),
        ("POST", "/ocpi/emsp/2.2.1/commands/{command}/{uid}"),
    }


def test_routes_match_the_handlers_routes() -> None:
    from assistant.handler import app as assistant_app
    from charging.handler import app as charging_app
    from registry.handler import app as contracts_app
    from router.handler import app as router_app

    served = {(m, r, "RouterFunction") for (m, r) in router_app.routes}
    served |= {(m, r, "ChargingFunction") for (m, r) in charging_app.routes}
    served |= {(m, r, "AssistantFunction") for (m, r) in assistant_app.routes}
    served |= {(m, r, "ContractsFunction") for (m, r) in contracts_app.routes}
    declared = {(r.method, r.path, r.function) for r in TEMPLATE.routes}
    # Declared only so that API Gateway passes them to the function, whose resolver answers 405 with Allow
    # (MCP: a server without a server-initiated stream answers GET with 405).
    answered_405 = {("GET", "/mcp", "RouterFunction")}
    assert declared - answered_405 == served
    assert all(any(r == path for (_m, r, _f) in served) for (_m, path, _f) in answered_405)
