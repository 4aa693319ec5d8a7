"""Function-to-function calls: one envelope, one client, one mapping of an answer back into a problem.

Every call a function of the gateway makes to another — a tool (the dispatcher to a domain; navigation
to charging for a route's charging stops) or an internal command (payment holds and captures, the
reconciler's `reconcile`) — is a `ToolInvocation` sent by a synchronous Lambda Invoke, waiting no
longer than the invocation has left (`cockpit.deadline`), and answered by a `ToolResult`. The callee
answers through `cockpit.tools.handlers.ToolHandlers`, which parses the arguments again and turns
every error into a problem inside a failed result. The caller reads the answer with `outcome`:

- `succeeded` or `accepted`: the result;
- `failed`: the callee's problem raised as a ProblemError (`errors.from_problem`: a type the layer
  knows becomes its class, a 4xx of a type it does not know passes through with its own type and
  status, a 5xx becomes 502); an answer that is no ToolResult, a crash or an Invoke error: 502; no
  answer in time: 504;
- a problem's pointers name the callee's arguments, which the caller's own caller never sent: the
  caller says where each lies in its own arguments (`pointers`), and the others are dropped.

Arguments are checked before the call, never only by the callee: a tool's against its catalog contract
(with the tool's roles), a command's against its pydantic model.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError
from pydantic import BaseModel, ValidationError

from cockpit import aws
from cockpit.errors import (
    ConfigurationError,
    Problem,
    ProblemItem,
    UpstreamError,
    UpstreamTimeout,
    ValidationFailed,
    from_problem,
    from_pydantic,
)
from cockpit.tools.model import Caller, Effect, ToolInvocation, ToolResult

if TYPE_CHECKING:
    from cockpit.tools.catalog import Catalog

# Where a callee's argument lies in the caller's arguments: "/arguments/method_id" →
# "/arguments/payment_method_id" (a pointer below a key moves with it).
Pointers = Mapping[str, str]


def outcome(result: ToolResult, what: str, pointers: Pointers | None = None) -> ToolResult:
    """The answer of a call, or the problem it carries raised (`pointers`: see `rewrite`)."""
    if result.status != "failed":
        return result
    problem = result.error or UpstreamError(f"{what}: failed without a problem document").problem()
    error = from_problem(rewrite(problem, pointers))
    if result.retry_after is not None and error.status == 409:  # "retry later" keeps its when
        error.headers["Retry-After"] = str(result.retry_after)
    raise error


def rewrite(problem: Problem, pointers: Pointers | None) -> Problem:
    """The problem with its pointers moved into the caller's arguments; None keeps them as they are (the
    caller's arguments are the callee's), a mapping drops every pointer it does not name."""
    if pointers is None or not problem.errors:
        return problem
    items = [moved for item in problem.errors if (moved := _moved(item, pointers)) is not None]
    return problem.model_copy(update={"errors": items or None})


def _moved(item: ProblemItem, pointers: Pointers) -> ProblemItem | None:
    if item.pointer is None:
        return None
    for theirs, ours in pointers.items():
        if item.pointer == theirs or item.pointer.startswith(theirs + "/"):
            return item.model_copy(update={"pointer": ours + item.pointer.removeprefix(theirs)})
    return None


class FunctionClient:
    """Calls one function of the gateway with the internal envelope."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name

    def invoke(self, invocation: ToolInvocation, pointers: Pointers | None = None) -> ToolResult:
        """Send an envelope whose arguments the caller has checked; the answer, or its problem raised."""
        what = invocation.tool
        payload = invoke_function(self.function_name, invocation.model_dump_json().encode(), what)
        try:
            result = ToolResult.model_validate_json(payload)
        except ValidationError:
            raise UpstreamError(f"{what}: the function answered malformed data") from None
        return outcome(result, what, pointers)

    def call_tool(
        self,
        catalog: Catalog,
        tool: str,
        arguments: dict[str, Any],
        caller: Caller,
        *,
        locale: str = "en-US",
        pointers: Pointers | None = None,
    ) -> dict[str, Any]:
        """A read of another domain's tool on the caller's behalf, held to the tool's contract as the
        dispatcher holds it: the caller's role, the arguments before the call, the result after it.
        Only a read without a question may be called so (a change needs the driver's yes and a key)."""
        resolved = catalog.resolve(tool, caller)  # 404 for a tool it does not know or this caller's role
        spec = resolved.spec
        if spec.target.partition(":")[0] != "lambda":
            raise ConfigurationError(f"{tool} is not a first-party tool")
        if spec.effect is not Effect.READ or spec.requires_confirmation:
            raise ConfigurationError(f"{tool} changes state: only the dispatcher may call it")
        try:
            resolved.check_arguments(arguments)
        except ValidationFailed as refused:
            raise from_problem(rewrite(refused.problem(), pointers)) from None
        invocation = ToolInvocation(
            invocation_id=uuid.uuid4().hex, tool=tool, arguments=arguments, caller=caller, locale=locale
        )
        result = self.invoke(invocation, pointers).result or {}
        try:
            resolved.check_result(result)
        except ValueError:
            raise UpstreamError(f"{tool}: the function answered a result that breaks its schema") from None
        return result

    def command(
        self,
        name: str,
        model: type[BaseModel],
        arguments: Mapping[str, Any],
        caller: Caller,
        *,
        locale: str = "en-US",
        pointers: Pointers | None = None,
    ) -> dict[str, Any]:
        """An internal command (`payments.authorize`): its arguments are checked against the command's
        model here, and refused (422, pointers as the callee would name them, then moved) before the call."""
        try:
            data = model.model_validate(arguments).model_dump(mode="json")
        except ValidationError as exc:
            refused = from_pydantic(exc, prefix=("arguments",))
            raise from_problem(rewrite(refused.problem(), pointers)) from None
        invocation = ToolInvocation(
            kind="command",
            invocation_id=uuid.uuid4().hex,
            tool=name,
            arguments=data,
            caller=caller,
            locale=locale,
        )
        return self.invoke(invocation, pointers).result or {}


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
