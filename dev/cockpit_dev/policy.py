"""A TOKEN authorizer's answer, judged the way API Gateway does: an explicit Deny wins, then an Allow
whose Resource patterns (with * and ? wildcards) cover the method ARN; nothing else is allowed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

Decision = Literal["allow", "deny"]


class InvalidPolicy(ValueError):
    """The authorizer's answer is not a policy API Gateway would accept."""


@dataclass(frozen=True)
class AuthorizerResult:
    principal_id: str
    statements: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]  # (effect, actions, resources)
    context: dict[str, str]

    def decide(self, method_arn: str) -> Decision:
        applicable = [
            effect
            for effect, actions, resources in self.statements
            if any(_wildcard(action, "execute-api:Invoke") for action in actions)
            and any(_wildcard(resource, method_arn) for resource in resources)
        ]
        return "allow" if "allow" in applicable and "deny" not in applicable else "deny"


def parse(answer: Any) -> AuthorizerResult:
    """Validate an authorizer's response ({principalId, policyDocument, context})."""
    if not isinstance(answer, dict) or not isinstance(answer.get("policyDocument"), dict):
        raise InvalidPolicy("the authorizer must return {principalId, policyDocument}")
    statements = answer["policyDocument"].get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise InvalidPolicy("policyDocument.Statement must be a non-empty list")
    return AuthorizerResult(
        principal_id=str(answer.get("principalId", "")),
        statements=tuple(_statement(statement) for statement in statements),
        context=_context(answer.get("context") or {}),
    )


def _statement(statement: Any) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    if not isinstance(statement, dict):
        raise InvalidPolicy("each Statement must be an object")
    effect = str(statement.get("Effect", "")).lower()
    if effect not in ("allow", "deny"):
        raise InvalidPolicy(f"Statement Effect must be Allow or Deny, got {statement.get('Effect')!r}")
    return (
        effect,
        _strings(statement.get("Action"), "Action"),
        _strings(statement.get("Resource"), "Resource"),
    )


def _strings(value: Any, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise InvalidPolicy(f"Statement {name} must be a string or a list of strings")


def _context(context: Any) -> dict[str, str]:
    """API Gateway passes context values to a REST integration as strings; nested values are invalid."""
    if not isinstance(context, dict):
        raise InvalidPolicy("context must be an object")
    values = {}
    for key, value in context.items():
        if isinstance(value, dict | list):
            raise InvalidPolicy(f"context.{key} must be a string, number or boolean")
        if value is None:
            continue
        values[str(key)] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return values


def _wildcard(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None
