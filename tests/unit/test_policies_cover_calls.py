"""Every AWS call a function's code makes (its own package and the layer modules it imports) is allowed
by that function's IAM statements in template.yaml - so least privilege never breaks a deployed call.
Found statically: `aws.client[_within]("<service>")` then an operation of that service's API."""

from __future__ import annotations

import ast
import importlib.util
import re
from functools import cache
from pathlib import Path

import botocore.session
import pytest

from cockpit_dev.template import load_yaml

ROOT = Path(__file__).resolve().parents[2]
RAW = load_yaml(ROOT / "template.yaml")
FUNCTIONS = {k: v for k, v in RAW["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}
CLIENT = re.compile(r'aws\.client(?:_within)?\(\s*"([a-z0-9-]+)"')
CALL = re.compile(r"\.([a-z][a-z0-9_]*)\(")
# Calls IAM knows under another name, or checks per item (a transaction: Put/Update/Delete/ConditionCheck).
RENAMED = {("bedrock-runtime", "Converse"): "InvokeModel", ("lambda", "Invoke"): "InvokeFunction"}
PER_ITEM = {("dynamodb", "TransactWriteItems"), ("dynamodb", "TransactGetItems")}
IAM_PREFIX = {"bedrock-runtime": "bedrock"}
# Found in a module the function imports for something else: (function, action) -> why it is never called.
# (None today: the payments function serves payment commands from cockpit.payment_commands, models only,
# and the domains serve `reconcile.settle` from cockpit.reconcile, models only; the client that invokes is
# cockpit.internal, imported by callers alone.)
IMPORTED_NOT_CALLED: dict[tuple[str, str], str] = {}


@cache
def operations(service: str) -> dict[str, str]:
    """snake_case method → API operation name, from botocore's model of the service."""
    model = botocore.session.get_session().get_service_model(service)
    return {re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower(): op for op in model.operation_names} | {
        "transact_write_items": "TransactWriteItems",
        "batch_write_item": "BatchWriteItem",
    }


def modules_of(package: str, handler_module: str) -> set[Path]:
    """The source files a handler imports, within its own package and the layer."""
    seen: set[str] = set()
    files: set[Path] = set()
    todo = [handler_module]
    while todo:
        name = todo.pop()
        if name in seen or name.split(".")[0] not in {package, "cockpit"}:
            continue
        seen.add(name)
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:  # `from module import name`: a name, not a submodule
            continue
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            continue
        path = Path(spec.origin)
        files.add(path)
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                todo += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                todo.append(node.module)
                todo += [f"{node.module}.{a.name}" for a in node.names]
    return files


def calls_in(path: Path) -> set[str]:
    """IAM actions for the AWS calls in one source file."""
    source = path.read_text()
    services = set(CLIENT.findall(source))
    found: set[str] = set()
    for service in services:
        ops = operations(service)
        for method in CALL.findall(source):
            op = ops.get(method)
            if op is None or (service, op) in PER_ITEM:
                continue
            if len(services) > 1 and not re.search(
                rf'client(?:_within)?\(\s*"{service}"[^)]*\)\s*\.{method}\(', source
            ):
                continue  # two services in one file: only calls chained to their client count
            action = RENAMED.get((service, op), op)
            found.add(f"{IAM_PREFIX.get(service, service)}:{action}")
    return found


def granted(logical_id: str) -> set[str]:
    actions: set[str] = set()
    statements = [s for p in FUNCTIONS[logical_id]["Properties"].get("Policies", []) for s in p["Statement"]]
    for policy in (r for r in RAW["Resources"].values() if r["Type"] == "AWS::IAM::Policy"):
        if {"Ref": f"{logical_id}Role"} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    for statement in statements:
        action = statement["Action"]
        actions |= {action} if isinstance(action, str) else set(action)
    return actions


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_aws_call_the_code_makes_is_allowed(logical_id: str) -> None:
    handler = FUNCTIONS[logical_id]["Properties"]["Handler"]
    module = handler.rsplit(".", 1)[0]
    needed: set[str] = set()
    for path in modules_of(module.split(".")[0], module):
        needed |= calls_in(path)
    excused = {action for (fn, action) in IMPORTED_NOT_CALLED if fn == logical_id}
    assert excused <= needed, "an IMPORTED_NOT_CALLED entry no longer applies: remove it"
    missing = sorted(needed - excused - granted(logical_id))
    assert missing == [], f"{logical_id} calls {missing} but its policy does not allow them"


def test_the_scan_finds_calls() -> None:
    """The check is not vacuous: the router's Lambda invoke and the payments function's reads are found."""
    router = set().union(*(calls_in(p) for p in modules_of("router", "router.handler")))
    assert {"lambda:InvokeFunction", "dynamodb:GetItem", "secretsmanager:GetSecretValue"} <= router
    assistant = set().union(*(calls_in(p) for p in modules_of("assistant", "assistant.handler")))
    assert "bedrock:InvokeModel" in assistant
