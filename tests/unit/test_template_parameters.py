"""Bad parameter values fail the deploy, with a message naming the parameter (issue 15): the template's
own AllowedValues / AllowedPattern / Rules, evaluated as CloudFormation does before it creates anything,
and by the local runtime, which refuses to start with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit_dev import stack as cfn
from cockpit_dev.runtime import Options, Runtime
from cockpit_dev.template import TemplateError, load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = cfn.load(ROOT / "template.yaml")
KEYS = '{"keys": [{"kty": "RSA", "kid": "k1", "n": "AQAB", "e": "AQAB"}]}'
GOOD = {"JwksUrl": "https://idp.example/.well-known/jwks.json"}


def problems(**given: str) -> list[str]:
    return cfn.parameter_problems(TEMPLATE, given)


def test_a_good_deploy_has_no_problems() -> None:
    assert problems(**GOOD) == []
    assert problems(JwksJson=KEYS) == []
    assert (
        problems(**GOOD, LlmProvider="bedrock", LlmModel="eu.anthropic.claude-3-5-sonnet-20240620-v1:0") == []
    )
    assert problems(**GOOD, ChargingProvider="ocpi", OcpiVersionUrl="https://cpo.example/ocpi/2.2.1") == []
    assert (
        problems(**GOOD, WafRateLimitPer5Minutes="0") == problems(**GOOD, WafRateLimitPer5Minutes="10") == []
    )


@pytest.mark.parametrize(
    ("given", "names"),
    [
        ({**GOOD, "ChargingProvider": "tesla"}, "ChargingProvider"),  # an unknown provider
        ({**GOOD, "LlmProvider": "claude"}, "LlmProvider"),
        ({**GOOD, "PaymentsProcessor": "paypal"}, "PaymentsProcessor"),
        ({**GOOD, "NavigationRoutingProvider": "google"}, "NavigationRoutingProvider"),
        ({}, "JwksUrl or JwksJson must be set"),  # no keys at all
        ({"JwksJson": '{"keys": []}'}, "JwksJson"),  # an empty JWKS
        ({"JwksJson": "not json"}, "JwksJson"),
        ({"JwksUrl": "http://idp.example/jwks"}, "JwksUrl"),  # keys over plain http
        ({**GOOD, "LlmProvider": "bedrock"}, "LlmModel must name"),  # bedrock with no model: no grant
        (  # an ARN: the policy is built from a model or profile id, so it would not cover it
            {**GOOD, "LlmProvider": "bedrock", "LlmModel": "arn:aws:bedrock:us-east-1::foundation-model/x"},
            "LlmModel",
        ),
        ({**GOOD, "ChargingProvider": "ocpi"}, "OcpiVersionUrl must be set"),
        ({**GOOD, "LogRetentionDays": "10"}, "LogRetentionDays"),
        ({**GOOD, "AlarmEmail": "ops-at-example"}, "AlarmEmail"),
        ({**GOOD, "Nonsense": "1"}, "Nonsense"),
        ({**GOOD, "WafRateLimitPer5Minutes": "9"}, "WafRateLimitPer5Minutes"),  # under WAF's lowest limit
        ({**GOOD, "LlmProvider": "qwen"}, "LlmApiKey must be set"),  # a hosted model with no key
        ({**GOOD, "LlmProvider": "openai"}, "LlmApiKey must be set"),
        ({**GOOD, "WafRateLimitPer5Minutes": "-1"}, "WafRateLimitPer5Minutes"),
    ],
)
def test_a_bad_value_fails_the_deploy_naming_the_parameter(given: dict[str, str], names: str) -> None:
    found = cfn.parameter_problems(TEMPLATE, given)
    assert found, given
    assert any(names in p for p in found), found


@pytest.mark.parametrize(
    ("given", "names"),
    [
        ({"ChargingProvider": "tesla"}, "ChargingProvider"),
        ({"JwksJson": '{"keys": []}'}, "JwksJson"),
        ({"LlmModel": "arn:aws:bedrock:us-east-1::foundation-model/x"}, "LlmModel"),
    ],
)
def test_the_local_runtime_refuses_the_same_values(given: dict[str, str], names: str) -> None:
    with pytest.raises(TemplateError, match=names):
        load_template(ROOT / "template.yaml", parameters=given)


@pytest.mark.parametrize(
    ("given", "names"),
    [
        ({"LlmProvider": "bedrock"}, "LlmModel must name"),  # COCKPIT_LLM_PROVIDER=bedrock and no model
        ({"ChargingProvider": "ocpi"}, "OcpiVersionUrl must be set"),
        ({"JwksJson": ""}, "JwksUrl or JwksJson must be set"),
    ],
)
def test_cockpit_run_refuses_what_the_rules_refuse(given: dict[str, str], names: str) -> None:
    runtime = Runtime(Options(template=ROOT / "template.yaml", parameters=given))
    with pytest.raises(TemplateError, match=names):
        runtime.load()


def test_cockpit_run_starts_with_its_own_defaults() -> None:
    template = Runtime(Options(template=ROOT / "template.yaml")).load()
    assert template.parameters["DevelopmentMode"] == "true"
    assert template.parameters["JwksJson"].startswith('{"keys": [{')
