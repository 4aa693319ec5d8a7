"""Targets: where a validated tool call goes. First-party tools: their domain function, by Lambda Invoke."""

from __future__ import annotations

from collections.abc import Mapping

from cockpit.errors import ConfigurationError
from cockpit.internal import FunctionClient
from cockpit.tools.model import ToolInvocation, ToolResult
from cockpit.tools.resolved import Target

__all__ = ["LambdaTarget", "LambdaTargets", "Target", "Targets"]


class LambdaTarget:
    """Invokes the domain function with the internal envelope (synchronously, `cockpit.internal`): the
    dispatcher has checked the arguments, the domain's pointers are the caller's."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.client = FunctionClient(function_name)

    def invoke(self, invocation: ToolInvocation) -> ToolResult:
        return self.client.invoke(invocation)


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
