"""TOKEN authorizer: a valid RS256 JWT → Allow policy with sub and role in the context; else 401."""

from __future__ import annotations

from typing import Any

from authorizer.verifier import InvalidToken
from authorizer.wiring import verifier
from cockpit.observability import logger, tracer


def api_wildcard(method_arn: str) -> str:
    """arn:…:execute-api:region:acct:api/stage/METHOD/path → …:api/stage/*/*.

    One policy for the whole API, so a cached policy fits every route (roles are checked per route).
    """
    prefix, _, rest = method_arn.partition(":execute-api:")
    parts = rest.split("/")
    return f"{prefix}:execute-api:{'/'.join(parts[:2])}/*/*"


def lambda_handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    tracer()
    try:
        caller, expires = verifier().verify_until(event.get("authorizationToken"))
    except InvalidToken as exc:
        logger().info("token refused", extra={"reason": str(exc)})
        raise Exception("Unauthorized") from None  # API Gateway's contract for a 401
    return {
        "principalId": caller.sub,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": api_wildcard(event["methodArn"]),
                }
            ],
        },
        # exp travels with the cached policy: every function refuses the token once exp + leeway has
        # passed, however long API Gateway keeps the policy (cockpit.api.Request.caller).
        "context": {"sub": caller.sub, "role": caller.role.value, "exp": expires},
    }
