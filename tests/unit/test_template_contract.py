"""What no tool checks in template.yaml: handlers resolve, every variable a function reads is set,
and the tables are production-grade (on demand, TTL, encryption, point-in-time recovery)."""

from __future__ import annotations

import ast
import importlib
import json
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


# -- deployable and operable (issue 15) ------------------------------------------------------------

API_GATEWAY_TIMEOUT_S = 29
API_FUNCTIONS = sorted({r.function for r in TEMPLATE.routes})
GLOBAL_TIMEOUT = RAW["Globals"]["Function"]["Timeout"]


def timeout_of(logical_id: str) -> int:
    return int(RAW["Resources"][logical_id]["Properties"].get("Timeout", GLOBAL_TIMEOUT))


@pytest.mark.parametrize("name", API_FUNCTIONS)
def test_api_functions_time_out_before_api_gateway(name: str) -> None:
    assert timeout_of(name) < API_GATEWAY_TIMEOUT_S


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.logical_id)
def test_a_function_waits_longer_than_the_functions_it_calls(fn: Function) -> None:
    """Timeouts nest: a callee gives up (and answers) before its caller's own time runs out."""
    env = RAW["Resources"][fn.logical_id]["Properties"]["Environment"]["Variables"]
    callees = [  # `!Ref Fn.Alias`: the function behind its published alias
        v["Ref"].removesuffix(".Alias")
        for k, v in env.items()
        if k.endswith("_FUNCTION") and isinstance(v, dict)
    ]
    for callee in callees:
        assert timeout_of(callee) < timeout_of(fn.logical_id), f"{fn.logical_id} calls {callee}"


def test_one_api_stage_access_logs_and_metrics() -> None:
    (api,) = resources("AWS::Serverless::Api").values()
    props = api["Properties"]
    assert props["OpenApiVersion"]  # without it SAM adds a second stage called "Stage"
    assert props["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    (settings,) = props["MethodSettings"]
    assert settings["MetricsEnabled"] is True
    assert "LoggingLevel" not in settings  # execution logs would write to a log group nobody declared


def test_every_log_group_is_declared_with_the_retention_parameter() -> None:
    groups = resources("AWS::Logs::LogGroup")
    for name, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
    for fn in FUNCTIONS:
        target = RAW["Resources"][fn.logical_id]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert target in groups, fn.logical_id
    assert len(groups) == len(FUNCTIONS) + 1  # the functions' and the API's access log


def alarms() -> dict[str, dict]:
    return {k: v["Properties"] for k, v in resources("AWS::CloudWatch::Alarm").items()}


def _alarm_on(namespace: str, metric: str, dimension: str) -> dict[str, dict]:
    found = {}
    for props in alarms().values():
        stats = [m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m] or [props]
        for m in stats:
            if m["Namespace"] == namespace and m["MetricName"] == metric:
                value = next(d["Value"] for d in m["Dimensions"] if d["Name"] == dimension)
                found[value["Ref"] if isinstance(value, dict) and "Ref" in value else str(value)] = props
    return found


def test_alarms_cover_the_api_every_function_and_every_table() -> None:
    functions = [f.logical_id for f in FUNCTIONS]
    for metric in ("Errors", "Throttles"):
        assert sorted(_alarm_on("AWS/Lambda", metric, "FunctionName")) == sorted(functions), metric
    durations = _alarm_on("AWS/Lambda", "Duration", "FunctionName")
    for fn in functions:  # near the timeout: 90 % of it, in milliseconds
        assert durations[fn]["Threshold"] == int(timeout_of(fn) * 1000 * 0.9), fn
    tables = sorted(resources("AWS::DynamoDB::Table"))
    for metric in ("ReadThrottleEvents", "WriteThrottleEvents"):
        assert sorted(_alarm_on("AWS/DynamoDB", metric, "TableName")) == tables, metric
    assert _alarm_on("AWS/ApiGateway", "5XXError", "ApiName")
    (latency,) = _alarm_on("AWS/ApiGateway", "Latency", "ApiName").values()
    assert latency["ExtendedStatistic"] == "p99"
    for name, props in alarms().items():
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
    subscription = RAW["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}


@pytest.mark.parametrize(
    "name",
    sorted(
        [
            *resources("AWS::DynamoDB::Table"),
            *resources("AWS::S3::Bucket"),
            *resources("AWS::SecretsManager::Secret"),
        ]
    ),
)
def test_data_survives_stack_deletion_and_replacement(name: str) -> None:
    resource = RAW["Resources"][name]
    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"


def test_overwritten_documents_expire() -> None:
    (bucket,) = resources("AWS::S3::Bucket").values()
    rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert any(
        r["Status"] == "Enabled"
        and r["NoncurrentVersionExpiration"]["NoncurrentDays"] == {"Ref": "NoncurrentDocumentDays"}
        for r in rules
        if "NoncurrentVersionExpiration" in r
    )


def test_the_authorizer_sees_only_jwt_shaped_bearer_tokens() -> None:
    (api,) = TEMPLATE.apis.values()
    expression = api.authorizers["JwtAuthorizer"].validation_expression
    assert expression is not None
    assert re.fullmatch(expression, "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ2In0.c2ln-_x")
    for refused in ("Bearer x", "Basic dTpw", "eyJh.eyJz.c2ln", "Bearer a.b.c d", "Bearer a.b"):
        assert not re.fullmatch(expression, refused), refused
    # SAM adds the authorizer's invoke permission itself; a second one is a duplicate
    assert not resources("AWS::Lambda::Permission")


def statements(fn: str) -> list[dict]:
    found = []
    for policy in RAW["Resources"][fn]["Properties"].get("Policies", []):
        assert isinstance(policy, dict)
        assert set(policy) == {"Version", "Statement"}, f"{fn}: SAM policy templates grant what nobody calls"
        found += policy["Statement"]
    return found


def _actions(statement: dict) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.logical_id)
def test_policies_are_explicit_and_grant_nothing_nobody_calls(fn: Function) -> None:
    for statement in statements(fn.logical_id):
        for action in _actions(statement):
            assert "*" not in action, action
            if statement.get("Sid") == "ReconcileSweep":  # the reconciler's sweep of its own table only
                assert action == "dynamodb:Scan", action
                continue
            assert not re.search(r"Scan|Acl|Lifecycle|Policy|Tagging", action), action
        resource = statement["Resource"]
        assert resource != "*"


def test_bedrock_only_when_chosen_and_only_the_configured_model() -> None:
    for fn in FUNCTIONS:
        assert not any(a.startswith("bedrock:") for s in statements(fn.logical_id) for a in _actions(s))
    extra = resources("AWS::IAM::Policy")
    assert sorted(extra) == ["AssistantBedrockPolicy"]
    bedrock = extra["AssistantBedrockPolicy"]
    assert bedrock["Condition"] == "UsesBedrock"
    assert bedrock["Properties"]["Roles"] == [{"Ref": "AssistantFunctionRole"}]
    for statement in bedrock["Properties"]["PolicyDocument"]["Statement"]:
        assert _actions(statement) == ["bedrock:InvokeModel"]
        scoped = "${LlmModel}" in str(statement["Resource"]) or "${LlmModel}" in str(
            statement.get("Condition")
        )
        assert scoped, statement["Sid"]


def test_the_access_log_waits_for_the_account_role_when_the_stack_sets_it() -> None:
    """A stage with an access log fails to create before the account's CloudWatch role is set."""
    (api,) = resources("AWS::Serverless::Api").values()
    condition, when_set, _otherwise = api["Properties"]["Description"]["Fn::If"]
    assert condition == "ManagesApiGatewayAccount"
    assert "${ApiGatewayAccount}" in when_set["Fn::Sub"]
    assert RAW["Resources"]["ApiGatewayAccount"]["Condition"] == condition


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.logical_id)
def test_a_caller_may_invoke_its_callees_versions_and_aliases(fn: Function) -> None:
    env = RAW["Resources"][fn.logical_id]["Properties"]["Environment"]["Variables"]
    callees = {  # `!Ref Fn.Alias`: the function behind its published alias
        v["Ref"].removesuffix(".Alias")
        for k, v in env.items()
        if k.endswith("_FUNCTION") and isinstance(v, dict)
    }
    invokes = [s for s in statements(fn.logical_id) if _actions(s) == ["lambda:InvokeFunction"]]
    invocable = [r for s in invokes for r in s["Resource"]]
    for callee in callees:
        assert {"Fn::GetAtt": [callee, "Arn"]} in invocable, callee
        assert {"Fn::Sub": f"${{{callee}.Arn}}:*"} in invocable, callee


# Lambda takes at most 6 MiB per synchronous invocation (the whole event: body, headers, request context),
# API Gateway up to 10 MB: a body in between failed as a bare 502 the function never saw (issue 15, item 8).
LAMBDA_SYNC_PAYLOAD = 6 * 1024 * 1024
API_GATEWAY_PAYLOAD = 10 * 1024 * 1024
EDGE_BODY_LIMIT = 5_000_000  # Content-Length from which the web ACL answers 413


def _largest_body_a_function_accepts(monkeypatch: pytest.MonkeyPatch) -> int:
    from cockpit import settings
    from cockpit.api import MAX_BODY_BYTES
    from registry.settings import ContractsSettings
    from registry.wiring import max_body_bytes

    deployed = ContractsSettings.from_env(TEMPLATE.functions["ContractsFunction"].environment)
    monkeypatch.setitem(settings._cache, ContractsSettings, deployed)
    return max(MAX_BODY_BYTES, max_body_bytes())


def test_bodies_lambda_cannot_take_answer_413_at_the_edge(monkeypatch: pytest.MonkeyPatch) -> None:
    ((acl_id, acl),) = resources("AWS::WAFv2::WebACL").items()
    (association,) = resources("AWS::WAFv2::WebACLAssociation").values()
    assert "Condition" not in acl and "Condition" not in association  # whatever WafRateLimitPer5Minutes is
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    props = acl["Properties"]
    (rule,) = [r for r in props["Rules"] if "RegexMatchStatement" in r.get("Statement", {})]
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 413
    problem = json.loads(props["CustomResponseBodies"][response["CustomResponseBodyKey"]]["Content"])
    assert problem["status"] == 413 and problem["type"].endswith("/payload-too-large")
    statement = rule["Statement"]["RegexMatchStatement"]
    assert statement["FieldToMatch"] == {"SingleHeader": {"Name": "content-length"}}
    regex = statement["RegexString"]
    assert "(" not in regex  # AWS WAF refuses capturing groups

    def refused(content_length: str) -> bool:
        return re.search(regex, content_length) is not None

    for size in [*range(0, 12_000_000, 7_919), LAMBDA_SYNC_PAYLOAD, API_GATEWAY_PAYLOAD, 10**12]:
        assert refused(str(size)) == (size >= EDGE_BODY_LIMIT), size
        assert refused(f"000{size}") == (size >= EDGE_BODY_LIMIT), size
    assert refused(str(EDGE_BODY_LIMIT)) and not refused(str(EDGE_BODY_LIMIT - 1))
    assert not refused("") and not refused("5000000x") and not refused("1e9")
    # every body some function accepts reaches it; the edge refuses well before Lambda's limit
    assert _largest_body_a_function_accepts(monkeypatch) < EDGE_BODY_LIMIT < LAMBDA_SYNC_PAYLOAD * 0.8
