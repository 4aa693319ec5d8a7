"""Tokens: allow, deny, narrow (only GET /echo/*), unauthorized, crash, invalid, slow (times out),
count-<anything>, expiring-<exp>-<anything> (allows, naming that exp in its context)."""

from __future__ import annotations

import itertools
import time
from typing import Any

_calls = itertools.count(1)


def _policy(effect: str, resource: str, context: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "principalId": "fixture-user",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }
    if context is not None:
        answer["context"] = context
    return answer


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    assert event["type"] == "TOKEN"
    token = event["authorizationToken"].removeprefix("Bearer ")
    arn = event["methodArn"]
    api_prefix = arn.split("/")[0]  # arn:aws:execute-api:region:account:apiId
    print(f"authorizing {token.split('-')[0]} for {arn}")
    if token == "allow":
        return _policy("Allow", f"{api_prefix}/*", {"role": "vehicle", "level": 3, "trusted": True})
    if token == "deny":
        return _policy("Deny", f"{api_prefix}/*")
    if token == "narrow":
        return _policy("Allow", f"{api_prefix}/*/GET/echo/*")
    if token.startswith("count-"):
        return _policy("Allow", f"{api_prefix}/*", {"call": next(_calls), "method_arn": arn})
    if token.startswith("expiring-"):
        exp = int(token.split("-")[1])
        return _policy("Allow", f"{api_prefix}/*", {"call": next(_calls), "exp": exp})
    if token == "invalid":
        return {"principalId": "x"}
    if token == "crash":
        raise ValueError("the authorizer broke")
    if token == "slow":
        time.sleep(3)  # past its Timeout
    raise Exception("Unauthorized")
