"""The built artifacts, run as Lambda runs them (`make artifacts`, after a host-architecture `sam build`).

Each function runs in its own clean interpreter (`python -I -S -B`: no site-packages, no PYTHON*
variables, nothing of the dev venv) whose sys.path holds only the standard library, the function's
built code folder, the built layer's python/ folder and the AWS SDK pinned as the Lambda runtime
provides it (tests/artifacts/lambda-runtime.txt). Once with TracingEnabled=true (the Powertools Tracer
made and enabled, so aws_xray_sdk must be in the layer) and once with it off (then X-Ray is never
imported). The environment is the one the template gives the function; AWS endpoints point at a closed
port, so nothing can leave the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from cockpit_dev import devkeys
from cockpit_dev.pool import function_environment
from cockpit_dev.template import Function, load_template
from tests.support import events

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("COCKPIT_ARTIFACTS_BUILD") or ROOT / ".aws-sam" / "host")
RUNTIME_SDK = Path(os.environ.get("COCKPIT_LAMBDA_RUNTIME_SDK") or ROOT / ".aws-sam" / "lambda-runtime")
PROBE = Path(__file__).with_name("lambda_probe.py")
CLOSED = "http://127.0.0.1:9"  # discard port: an AWS call fails at once instead of going anywhere
FUNCTIONS = sorted(load_template(ROOT / "template.yaml").functions)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("devkeys")


def _authorizer_events(keys: Path) -> list[dict[str, Any]]:
    good = dict(events.sample("authorizer/token.json"))
    good["authorizationToken"] = "Bearer " + devkeys.token("vehicle", "vin-probe", folder=keys)
    bad = {**good, "authorizationToken": "Bearer not.a.token"}
    return [good, bad]


def _events(logical_id: str, keys: Path) -> list[dict[str, Any]]:
    if logical_id == "AuthorizerFunction":
        return _authorizer_events(keys)
    if logical_id == "RouterFunction":
        return [events.api("GET", "/v1/health", role=None), events.api("GET", "/v1/openapi.json", role=None)]
    return [{"kind": "not-an-event"}]  # answered before and after the restore; not checked further


def _check_answers(logical_id: str, all_calls: list[dict[str, Any]]) -> None:
    """The events answered before a (simulated) SnapStart restore and again after it, the same way."""
    half = len(all_calls) // 2
    assert all_calls[:half] and len(all_calls) == 2 * half
    for calls in (all_calls[:half], all_calls[half:]):
        _check_round(logical_id, calls)


def _check_round(logical_id: str, calls: list[dict[str, Any]]) -> None:
    if logical_id == "AuthorizerFunction":  # RS256 through the shipped PyJWT + cryptography
        allowed, refused = calls
        assert allowed["answer"]["policyDocument"]["Statement"][0]["Effect"] == "Allow"
        context = allowed["answer"]["context"]
        assert {k: context[k] for k in ("sub", "role")} == {"sub": "vin-probe", "role": "vehicle"}
        assert set(context) == {"sub", "role", "exp"} and isinstance(context["exp"], int)
        assert refused == {"raised": "Exception: Unauthorized"}
    if logical_id == "RouterFunction":  # the OpenAPI document is package data of the layer
        health, openapi = calls
        assert health["answer"]["statusCode"] == 200
        assert openapi["answer"]["statusCode"] == 200
        served = json.loads(openapi["answer"]["body"])
        committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
        # the served document names the server it was fetched from; the rest is the committed one
        assert isinstance(served.pop("servers"), list) and committed.pop("servers")
        assert served == committed


def _allowed_origins(task_root: Path, layer: Path) -> tuple[str, ...]:
    stdlib = {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib")}
    return (str(task_root), str(layer), str(RUNTIME_SDK.resolve()), *(str(Path(p).resolve()) for p in stdlib))


def run_probe(function: Function, tmp_path: Path, keys: Path) -> dict[str, Any]:
    task_root = (BUILD / function.logical_id).resolve()
    layer = (BUILD / "CockpitLayer" / "python").resolve()
    assert task_root.is_dir() and layer.is_dir(), f"no host build in {BUILD}: run `make artifacts`"
    assert (RUNTIME_SDK / "boto3").is_dir(), f"no runtime SDK in {RUNTIME_SDK}: run `make artifacts`"
    report = tmp_path / "report.json"
    spec = {
        "name": function.name,
        "handler": function.handler,
        "task_root": str(task_root),
        "layer": str(layer),
        "runtime_sdk": str(RUNTIME_SDK.resolve()),
        "events": _events(function.logical_id, keys),
        "report": str(report),
    }
    env = {
        **function_environment(function, aws_url=CLOSED, lambda_url=CLOSED, region="us-east-1", base={}),
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(RUNTIME_SDK.resolve()),
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    }
    interpreter = getattr(sys, "_base_executable", sys.executable)
    done = subprocess.run(
        [interpreter, "-I", "-S", "-B", str(PROBE), json.dumps(spec)],
        env=env,
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-4000:]
    found: dict[str, Any] = json.loads(report.read_text())
    found["allowed_origins"] = _allowed_origins(task_root, layer)
    return found


def _template(tracing: bool, keys: Path) -> dict[str, Function]:
    parameters = {
        "TracingEnabled": "true" if tracing else "false",
        "JwksJson": json.dumps(devkeys.jwks(keys)),
    }
    return load_template(ROOT / "template.yaml", parameters=parameters).functions


def test_the_runtime_python_is_the_one_running_these_tests() -> None:
    runtimes = {f.runtime for f in load_template(ROOT / "template.yaml").functions.values()}
    assert runtimes == {f"python{sys.version_info.major}.{sys.version_info.minor}"}


@pytest.mark.parametrize("tracing", [True, False], ids=["tracing-on", "tracing-off"])
@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_built_function_imports_and_answers_as_lambda_runs_it(
    logical_id: str, tracing: bool, tmp_path: Path, keys: Path
) -> None:
    function = _template(tracing, keys)[logical_id]
    assert function.environment["POWERTOOLS_TRACE_DISABLED"] == ("false" if tracing else "true")
    report = run_probe(function, tmp_path, keys)

    assert report["failures"] == {}
    package = function.handler.split(".")[0]
    assert {
        "cockpit.observability",
        "cockpit.settings",
        "pydantic",
        "httpx",
        function.handler.rpartition(".")[0],
    } <= set(report["imported"])
    assert any(name.startswith(package + ".") for name in report["imported"])
    assert not [p for p in report["sys_path"] if "site-packages" in p]
    strays = [p for p in report["origins"] if not p.startswith(report["allowed_origins"])]
    assert strays == []  # every module came from the artifacts, the runtime's SDK or the stdlib
    assert report["snapstart_hook"]  # registered with the runtime's snapshot_restore_py at import
    assert report["restore_hooks"] == 1
    if tracing:
        assert report["tracer"] == {"disabled": False}
        assert report["xray_loaded"]
    else:
        assert report["tracer"] is None
        assert not report["xray_loaded"]  # the Tracer's import is only paid when tracing is on
    _check_answers(logical_id, report["calls"])


def test_the_layer_does_not_ship_the_runtime_sdk() -> None:
    layer = BUILD / "CockpitLayer" / "python"
    assert layer.is_dir(), f"no host build in {BUILD}: run `make artifacts`"
    shipped = {p.name for p in layer.iterdir()}
    assert {"cockpit", "aws_xray_sdk", "wrapt", "pydantic"} <= shipped
    assert not {"boto3", "botocore", "s3transfer", "urllib3", "dateutil", "local"} & shipped
    assert not (layer / "cockpit" / "local").exists()
