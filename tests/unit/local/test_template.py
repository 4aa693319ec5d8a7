"""template.py: short tags, intrinsics, conditions, Globals, routes and resources - against the real
template.yaml and small inline templates."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from cockpit_dev.cfn import _CfnLoader, load_yaml
from cockpit_dev.template import (
    IMPLICIT_API,
    Template,
    TemplateError,
    load_template,
    merge_globals,
    parse_template,
)

ROOT = Path(__file__).resolve().parents[3]
REAL = ROOT / "template.yaml"


def inline(text: str, **kwargs: Any) -> Template:
    document = yaml.load(textwrap.dedent(text), Loader=_CfnLoader)  # noqa: S506 - a SafeLoader
    return parse_template(document, path=ROOT / "inline.yaml", **kwargs)


def env_of(template: Template, function: str = "Fn") -> dict[str, str]:
    return template.functions[function].environment


FUNCTION = """
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code/
      Handler: app.handler.main
      Environment:
        Variables:
"""


def with_env(variables: str, head: str = "", resources: str = "") -> str:
    body = textwrap.indent(textwrap.dedent(variables).strip(), " " * 10)
    extra = textwrap.indent(textwrap.dedent(resources).strip(), "  ")
    return f"{textwrap.dedent(head)}\nResources:{FUNCTION}{body}\n{extra}\n"


# -- the real template -----------------------------------------------------------------------------


def test_real_template_functions_and_globals_merge() -> None:
    template = load_template(REAL)
    assert set(template.functions) >= {"AuthorizerFunction", "RouterFunction", "ChargingFunction"}
    router = template.functions["RouterFunction"]
    assert router.handler == "router.handler.lambda_handler"
    assert router.code_uri == ROOT / "functions" / "router"
    assert router.timeout == 28  # the function's own Timeout wins over Globals' 10
    assert router.memory == 512  # from Globals
    assert router.layers == (ROOT / "layers" / "cockpit",)
    assert router.environment["POWERTOOLS_SERVICE_NAME"] == "router"  # the function's variable
    assert router.environment["COCKPIT_STAGE"] == "live"  # Globals' variable, !Ref StageName
    assert router.environment["POWERTOOLS_TRACE_DISABLED"] == "true"  # !If [Tracing, ...]
    assert router.environment["CHARGING_FUNCTION"] == (  # Ref to a function's alias: the alias's ARN
        "arn:aws:lambda:us-east-1:000000000000:function:ChargingFunction:live"
    )
    assert router.environment["IDEMPOTENCY_TABLE"] == "cockpit-local-IdempotencyTable"
    assert template.functions["AuthorizerFunction"].memory == 256


def test_real_template_routes_and_authorizer() -> None:
    template = load_template(REAL)
    routes = {(r.method, r.path): r for r in template.routes}
    assert routes[("GET", "/v1/health")].authorizer is None  # Auth.Authorizer: NONE
    assert routes[("GET", "/v1/tools")].authorizer == "JwtAuthorizer"  # the API's DefaultAuthorizer
    assert routes[("POST", "/v1/tools/{name}/invoke")].function == "RouterFunction"
    ocpi = routes[("POST", "/ocpi/emsp/2.2.1/commands/{command}/{uid}")]
    assert (ocpi.function, ocpi.authorizer) == ("ChargingFunction", None)
    api = template.apis["CockpitApi"]
    assert api.stage == "live"
    assert api.name == "cockpit-local-api"
    authorizer = api.authorizers["JwtAuthorizer"]
    assert (authorizer.function, authorizer.identity_header, authorizer.reauthorize_seconds) == (
        "AuthorizerFunction",
        "Authorization",
        300,
    )
    assert api.gateway_responses["UNAUTHORIZED"].status == 401
    assert api.gateway_responses["UNAUTHORIZED"].headers["WWW-Authenticate"] == "Bearer"


def test_real_template_resources() -> None:
    template = load_template(REAL, stack_name="dev")
    charging = template.tables["ChargingTable"]
    assert charging.name == "dev-ChargingTable"
    assert charging.key_schema == (("pk", "HASH"), ("sk", "RANGE"))
    assert charging.attributes == {"pk": "S", "sk": "S"}
    assert charging.ttl_attribute == "expires_at"
    secret = template.secrets["OcpiCredentialsSecret"]
    assert secret.generate is not None
    assert (secret.generate.key, secret.generate.length, secret.generate.exclude_punctuation) == (
        "emsp_token",
        48,
        True,
    )
    charging_env = template.functions["ChargingFunction"].environment
    assert charging_env["OCPI_SECRET_ARN"] == secret.arn
    parameter = template.ssm_parameters["PublicBaseUrlParameter"]
    assert parameter.name == "/cockpit-gateway/dev/public-base-url"
    api_id = template.apis["CockpitApi"].api_id
    assert parameter.value == f"https://{api_id}.execute-api.us-east-1.amazonaws.com/live"  # !If false branch


def test_parameter_overrides_and_conditions() -> None:
    template = load_template(
        REAL,
        parameters={
            "ChargingProvider": "ocpi",
            "OcpiVersionUrl": "https://cpo.example/ocpi/2.2.1",
            "PublicBaseUrl": "http://127.0.0.1:3000",
            "TracingEnabled": "true",
        },
        region="eu-west-1",
    )
    assert template.conditions == {
        "HasPublicBaseUrl": True,
        "Tracing": True,
        "UsesBedrock": False,
        "HasAlarmEmail": False,
        "ManagesApiGatewayAccount": True,
        "HasWafRateLimit": True,
    }
    assert template.functions["ChargingFunction"].environment["CHARGING_PROVIDER"] == "ocpi"
    assert template.functions["RouterFunction"].environment["POWERTOOLS_TRACE_DISABLED"] == "false"
    assert template.ssm_parameters["PublicBaseUrlParameter"].value == "http://127.0.0.1:3000"
    assert template.functions["RouterFunction"].arn.startswith("arn:aws:lambda:eu-west-1:000000000000:")


def test_physical_ids_override_refs() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:cockpit-local-OcpiCredentialsSecret-AbCdEf"
    template = load_template(REAL, physical_ids={"OcpiCredentialsSecret": arn})
    assert template.secrets["OcpiCredentialsSecret"].arn == arn
    assert template.functions["ChargingFunction"].environment["OCPI_SECRET_ARN"] == arn


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ChargingProvider": "teleport"}, "is not one of"),
        ({"StageName": "not ok!"}, "does not match"),
        ({"NoSuchParameter": "x"}, "not declared"),
        ({"OcpiTimeoutSeconds": "30"}, "above MaxValue"),
        ({"OcpiTimeoutSeconds": "soon"}, "is not a number"),
    ],
)
def test_bad_parameters_are_rejected(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        load_template(REAL, parameters=overrides)


def test_function_named_accepts_name_and_arns() -> None:
    template = load_template(REAL)
    arn = template.functions["ChargingFunction"].arn
    for name in ("ChargingFunction", arn, f"{arn}:$LATEST", "000000000000:function:ChargingFunction"):
        found = template.function_named(name)
        assert found is not None
        assert found.logical_id == "ChargingFunction"
    assert template.function_named(f"{arn}:7") is None
    assert template.function_named("Nope") is None


def test_auto_published_aliases_are_what_callers_and_the_api_invoke() -> None:
    template = load_template(REAL)
    charging = template.functions["ChargingFunction"]
    alias = f"{charging.arn}:live"
    assert charging.alias == "live"
    assert template.function_named(alias) == charging
    assert template.function_named(f"{charging.arn}:staging") is None
    router = template.functions["RouterFunction"].environment
    assert router["CHARGING_FUNCTION"] == alias  # !Ref ChargingFunction.Alias
    assert router["PAYMENTS_FUNCTION"] == f"{template.functions['PaymentsFunction'].arn}:live"
    assert template.functions["NavigationFunction"].environment["CHARGING_FUNCTION"] == alias
    (api,) = template.apis.values()
    assert api.authorizers[api.default_authorizer].function == "AuthorizerFunction"  # via its alias ARN


def test_ref_alias_needs_auto_publish_alias() -> None:
    with pytest.raises(TemplateError, match="has no AutoPublishAlias"):
        inline(
            """
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties: {CodeUri: ., Handler: a.b, Environment: {Variables: {X: !Ref Fn.Alias}}}
            """
        )


# -- intrinsics in inline templates ----------------------------------------------------------------


def test_sub_forms_and_getatt_forms() -> None:
    template = inline(
        with_env(
            """
            PLAIN: !Sub "${AWS::StackName}-${AWS::Region}-${AWS::AccountId}-${AWS::Partition}"
            MAPPED: !Sub ["${Greeting}, ${Who}!", {Who: !Ref Name}]
            LITERAL: !Sub "${!NotAVariable} and ${Name}"
            ATTR_DOT: !GetAtt Fn.Arn
            ATTR_LIST: !GetAtt [Fn, Arn]
            ATTR_IN_SUB: !Sub "${Fn.Arn}|${Table.Arn}"
            LONG_FORM: {"Fn::Join": ["-", [{"Ref": "Name"}, "x"]]}
            """,
            head="""
            Parameters:
              Name: {Type: String, Default: world}
              Greeting: {Type: String, Default: Hello}
            """,
            resources="""
              Table:
                Type: AWS::DynamoDB::Table
                Properties:
                  TableName: !Sub "${AWS::StackName}-items"
                  AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
                  KeySchema: [{AttributeName: pk, KeyType: HASH}]
            """,
        ),
        stack_name="stk",
    )
    env = env_of(template)
    assert env["PLAIN"] == "stk-us-east-1-000000000000-aws"
    assert env["MAPPED"] == "Hello, world!"
    assert env["LITERAL"] == "${NotAVariable} and world"
    assert env["ATTR_DOT"] == env["ATTR_LIST"] == "arn:aws:lambda:us-east-1:000000000000:function:Fn"
    assert env["ATTR_IN_SUB"].endswith("|arn:aws:dynamodb:us-east-1:000000000000:table/stk-items")
    assert env["LONG_FORM"] == "world-x"
    assert template.tables["Table"].name == "stk-items"
    assert template.tables["Table"].ttl_attribute is None


def test_list_functions_mappings_and_novalue() -> None:
    template = inline(
        with_env(
            """
            JOINED: !Join [",", [a, b, c]]
            SELECTED: !Select [1, !Split ["/", "x/y/z"]]
            FOUND: !FindInMap [Sizes, !Ref Env, memory]
            LISTED: !Select [0, !Ref Names]
            ENCODED: !Base64 abc
            GONE: !Ref AWS::NoValue
            FLAG: true
            NUMBER: 42
            """,
            head="""
            Parameters:
              Env: {Type: String, Default: dev}
              Names: {Type: CommaDelimitedList, Default: "first,second"}
            Mappings:
              Sizes:
                dev: {memory: 128}
            """,
        )
    )
    env = env_of(template)
    assert env["JOINED"] == "a,b,c"
    assert env["SELECTED"] == "y"
    assert env["FOUND"] == "128"
    assert env["LISTED"] == "first"
    assert env["ENCODED"] == "YWJj"
    assert "GONE" not in env
    assert env["FLAG"] == "true"
    assert env["NUMBER"] == "42"


def test_conditions_and_conditional_resources() -> None:
    text = with_env(
        """
        MODE: !If [Both, both, !If [Either, either, neither]]
        NOT_PROD: !If [NotProd, "yes", "no"]
        """,
        head="""
        Parameters:
          Env: {Type: String, Default: dev}
          Region2: {Type: String, Default: eu}
        Conditions:
          IsDev: !Equals [!Ref Env, dev]
          IsEu: !Equals [eu, !Ref Region2]
          Both: !And [!Condition IsDev, !Condition IsEu]
          Either: !Or [!Condition IsDev, !Condition IsEu]
          NotProd: !Not [!Equals [!Ref Env, prod]]
        """,
        resources="""
          OnlyInProd:
            Type: AWS::DynamoDB::Table
            Condition: IsProd
            Properties:
              AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
              KeySchema: [{AttributeName: pk, KeyType: HASH}]
        """,
    ).replace("NotProd: !Not", "IsProd: !Equals [!Ref Env, prod]\n  NotProd: !Not")
    dev = inline(text)
    assert env_of(dev) == {"MODE": "both", "NOT_PROD": "yes"}
    assert dev.tables == {}
    prod = inline(text, parameters={"Env": "prod", "Region2": "us"})
    assert env_of(prod) == {"MODE": "neither", "NOT_PROD": "no"}
    assert set(prod.tables) == {"OnlyInProd"}
    assert prod.conditions["IsProd"] is True


def test_the_rules_contains_tag_is_read_and_its_rule_evaluated() -> None:
    """`!Contains` (a Rules function) in template.yaml made every local start fail with a YAML
    ConstructorError; it reads as Fn::Contains, which stack.rule_problems evaluates."""
    from cockpit_dev.stack import rule_problems

    text = """
        Rules:
          Low:
            Assertions:
              - Assert: !Not [!Contains [["1", "2"], !Ref Rate]]
                AssertDescription: too low
        Resources: {}
        """
    document = yaml.load(textwrap.dedent(text), Loader=_CfnLoader)  # noqa: S506 - a SafeLoader
    assert document["Rules"]["Low"]["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Contains": [["1", "2"], {"Ref": "Rate"}]}]
    }
    assert rule_problems(document, {"Rate": "2"}) == ["Low: too low"]
    assert rule_problems(document, {"Rate": "10"}) == []
    assert "Rules" in load_yaml(REAL)  # the real template reads


def test_unsupported_intrinsic_is_a_clear_error() -> None:
    with pytest.raises(TemplateError, match="Fn::ImportValue is not supported"):
        inline(with_env("SHARED: !ImportValue other-stack-output"))


def test_unknown_reference_is_a_clear_error() -> None:
    with pytest.raises(TemplateError, match="unknown resource or parameter 'Missing'"):
        inline(with_env("X: !Ref Missing"))


def test_missing_parameter_value_is_a_clear_error() -> None:
    with pytest.raises(TemplateError, match="Needed has no default"):
        inline(with_env("X: !Ref Needed", head="Parameters:\n  Needed: {Type: String}"))


def test_implicit_api_routes_and_any_method() -> None:
    template = inline(
        """
        Globals:
          Function:
            Runtime: python3.13
            Layers: [arn:aws:lambda:us-east-1:111111111111:layer:global:1]
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: code/
              Handler: app.main
              Layers: [arn:aws:lambda:us-east-1:111111111111:layer:own:1]
              Events:
                Everything:
                  Type: Api
                  Properties: {Path: "/{proxy+}", Method: any}
                Ignored:
                  Type: Schedule
                  Properties: {Schedule: rate(1 minute)}
        """
    )
    (route,) = template.routes
    assert (route.path, route.method, route.api, route.authorizer) == ("/{proxy+}", "ANY", IMPLICIT_API, None)
    assert template.apis[IMPLICIT_API].stage == "Prod"
    assert template.functions["Fn"].timeout == 3  # Lambda's defaults
    assert template.functions["Fn"].memory == 128


def test_merge_globals_rules() -> None:
    merged = merge_globals(
        {
            "Timeout": 10,
            "Layers": ["g"],
            "Environment": {"Variables": {"A": "g", "B": "g"}},
            "T": {"Fn::If": []},
        },
        {"Timeout": 3, "Layers": ["f"], "Environment": {"Variables": {"B": "f"}}, "T": {"Ref": "X"}},
    )
    assert merged == {
        "Timeout": 3,
        "Layers": ["g", "f"],
        "Environment": {"Variables": {"A": "g", "B": "f"}},
        "T": {"Ref": "X"},  # intrinsics are values, not maps to merge
    }


def test_s3_buckets_are_read_from_the_template_with_lower_case_names() -> None:
    from cockpit_dev.template import load_template

    template = load_template(ROOT / "template.yaml", stack_name="Dev-Stack")
    bucket = template.buckets["ContractsBucket"]
    assert bucket.name == "dev-stack-contractsbucket"
    assert bucket.versioned and bucket.encryption == "AES256"
    assert bucket.public_access_block == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert template.functions["ContractsFunction"].environment["CONTRACTS_BUCKET"] == bucket.name
