"""Route matching (specificity, greedy proxy, methods) and authorizer policy evaluation."""

from __future__ import annotations

from typing import Any

import pytest

from cockpit_dev import policy
from cockpit_dev.routing import RouteTable
from cockpit_dev.template import Route

ARN = "arn:aws:execute-api:us-east-1:000000000000:abc123/live"


def route(path: str, method: str = "GET") -> Route:
    return Route(path=path, method=method, function="Fn", api="Api", authorizer=None, event=path)


TABLE = RouteTable(
    [
        route("/v1/tools"),
        route("/v1/tools/{name}/invoke", "POST"),
        route("/v1/tools/special/invoke", "POST"),
        route("/files/{proxy+}", "ANY"),
        route("/files/readme", "GET"),
        route("/"),
    ]
)


@pytest.mark.parametrize(
    ("path", "resource", "parameters"),
    [
        ("/v1/tools", "/v1/tools", {}),
        ("/v1/tools/", "/v1/tools", {}),
        ("/v1/tools/charging.start/invoke", "/v1/tools/{name}/invoke", {"name": "charging.start"}),
        ("/v1/tools/a%20b/invoke", "/v1/tools/{name}/invoke", {"name": "a b"}),
        ("/v1/tools/special/invoke", "/v1/tools/special/invoke", {}),  # literal beats {name}
        ("/files/a/b/c.txt", "/files/{proxy+}", {"proxy": "a/b/c.txt"}),
        ("/files/readme", "/files/readme", {}),  # literal beats {proxy+}
        ("/", "/", {}),
    ],
)
def test_most_specific_resource_wins(path: str, resource: str, parameters: dict[str, str]) -> None:
    match = TABLE.match(path)
    assert match is not None
    assert (match.resource, match.path_parameters) == (resource, parameters)


@pytest.mark.parametrize("path", ["/v1", "/v1/tools/x", "/v1/tools/x/invoke/more", "/files", "/nope"])
def test_unknown_paths_do_not_match(path: str) -> None:
    assert TABLE.match(path) is None


def test_methods_and_any() -> None:
    tools = TABLE.match("/v1/tools")
    assert tools is not None
    assert tools.route_for("GET") is not None
    assert tools.route_for("POST") is None
    files = TABLE.match("/files/x")
    assert files is not None
    assert files.route_for("DELETE") is not None


def answer(effect: str, resource: Any, context: dict[str, Any] | None = None, action: Any = None) -> Any:
    statement = {"Action": action or "execute-api:Invoke", "Effect": effect, "Resource": resource}
    return {"principalId": "user-1", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
            "context": context or {}}  # fmt: skip


@pytest.mark.parametrize(
    ("resource", "method_arn", "decision"),
    [
        (f"{ARN}/*", f"{ARN}/GET/v1/tools", "allow"),
        (f"{ARN}/GET/v1/tools", f"{ARN}/GET/v1/tools", "allow"),
        (f"{ARN}/GET/v1/tools", f"{ARN}/POST/v1/tools", "deny"),
        (f"{ARN}/*/v1/tools/*", f"{ARN}/POST/v1/tools/x/invoke", "allow"),
        ("arn:aws:execute-api:*:*:*/*/GET/*", f"{ARN}/GET/v1/anything", "allow"),
        (f"{ARN}/GET/v1/tool?", f"{ARN}/GET/v1/tools", "allow"),
        ([f"{ARN}/GET/a", f"{ARN}/GET/v1/tools"], f"{ARN}/GET/v1/tools", "allow"),
        ("arn:aws:execute-api:us-east-1:000000000000:other/*", f"{ARN}/GET/v1/tools", "deny"),
    ],
)
def test_allow_must_cover_the_method_arn(resource: Any, method_arn: str, decision: str) -> None:
    assert policy.parse(answer("Allow", resource)).decide(method_arn) == decision


def test_explicit_deny_wins() -> None:
    both = answer("Allow", "*")
    both["policyDocument"]["Statement"].append(
        {"Action": "*", "Effect": "Deny", "Resource": f"{ARN}/DELETE/*"}
    )
    result = policy.parse(both)
    assert result.decide(f"{ARN}/GET/x") == "allow"
    assert result.decide(f"{ARN}/DELETE/x") == "deny"


def test_other_actions_do_not_allow() -> None:
    assert (
        policy.parse(answer("Allow", "*", action="execute-api:ManageConnections")).decide(f"{ARN}/GET/x")
        == "deny"
    )
    assert policy.parse(answer("Allow", "*", action=["execute-api:*"])).decide(f"{ARN}/GET/x") == "allow"


def test_context_values_become_strings() -> None:
    result = policy.parse(
        answer("Allow", "*", {"role": "vehicle", "n": 3, "ok": True, "off": False, "x": None})
    )
    assert result.context == {"role": "vehicle", "n": "3", "ok": "true", "off": "false"}
    assert result.principal_id == "user-1"


@pytest.mark.parametrize(
    "bad",
    [
        None,
        {"principalId": "x"},
        {"policyDocument": {"Statement": []}},
        answer("Maybe", "*"),
        answer("Allow", 7),
        answer("Allow", "*", {"nested": {"a": 1}}),
    ],
)
def test_invalid_answers(bad: Any) -> None:
    with pytest.raises(policy.InvalidPolicy):
        policy.parse(bad)
