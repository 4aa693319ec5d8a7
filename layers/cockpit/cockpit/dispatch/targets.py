"""Targets: where a validated tool call goes. First-party tools: their domain function, by Lambda Invoke."""

from __future__ import annotations

import json
from collections.abc import Mapping

from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError
from pydantic import ValidationError

from cockpit import aws
from cockpit.errors import ConfigurationError, UpstreamError, UpstreamTimeout
from cockpit.tools.model import ToolInvocation, ToolResult
from cockpit.tools.resolved import Target

__all__ = ["LambdaTarget", "LambdaTargets", "Target", "Targets", "invoke_function"]


class LambdaTarget:
    """Invokes the domain function with the internal ToolInvocation event (synchronously)."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name

    def invoke(self, invocation: ToolInvocation) -> ToolResult:
        payload = invoke_function(self.function_name, invocation.model_dump_json().encode(), invocation.tool)
        try:
            return ToolResult.model_validate_json(payload)
        except ValidationError:
            raise UpstreamError(f"{invocation.tool}: the domain function answered malformed data") from None


def invoke_function(function_name: str, payload: bytes, what: str) -> bytes:
    """Synchronous Lambda Invoke of another function of the gateway: its answer's bytes, or the problem
    (504 when it did not answer in time or timed out, 502 when invoking failed or the function crashed)."""
    try:
        response = aws.client_within("lambda", what).invoke(
            FunctionName=function_name, InvocationType="RequestResponse", Payload=payload
        )
    except (ReadTimeoutError, ConnectTimeoutError):
        raise UpstreamTimeout(f"{what}: the function did not answer in time") from None
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise UpstreamError(f"{what}: invoking the function failed ({code})") from None
    answer: bytes = response["Payload"].read()
    if response.get("FunctionError"):
        kind = _error_type(answer)
        if kind == "Sandbox.Timedout":
            raise UpstreamTimeout(f"{what}: the function timed out")
        raise UpstreamError(f"{what}: the function failed ({kind})")
    return answer


def _error_type(payload: bytes) -> str:
    try:
        return str(json.loads(payload).get("errorType", "Unhandled"))
    except (ValueError, AttributeError):
        return "Unhandled"


class LambdaTargets:
    """Resolves `lambda:<domain>` targets to function names from the router's settings."""

    def __init__(self, functions: Mapping[str, str]) -> None:
        self._targets = {domain: LambdaTarget(name) for domain, name in functions.items()}

    def resolve(self, target: str) -> Target:
        kind, _, name = target.partition(":")
        found = self._targets.get(name) if kind == "lambda" else None
        if found is None:
            raise ConfigurationError(f"no function is configured for target {target}")
        return found


class Targets:
    """Resolves `lambda:<domain>` to the domain function and `gateway:<name>` to a target the gateway
    answers itself (the operations it keeps). A partner tool's target is bound by the catalog that read
    its binding (`PartnerCatalog.resolve`), never looked up here."""

    def __init__(self, functions: Mapping[str, str], gateway: Mapping[str, Target] | None = None) -> None:
        self._lambda = LambdaTargets(functions)
        self._gateway = dict(gateway or {})

    def resolve(self, target: str) -> Target:
        if target.startswith("gateway:"):
            found = self._gateway.get(target.removeprefix("gateway:"))
            if found is None:
                raise ConfigurationError(f"no gateway target is configured for {target}")
            return found
        return self._lambda.resolve(target)
