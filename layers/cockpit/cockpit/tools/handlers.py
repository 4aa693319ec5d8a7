"""The callee's side of a function-to-function call (`cockpit.internal`): route an envelope — a tool
call or an internal command — to the function that serves it.

Functions trust nothing: the arguments are parsed again into the tool's or command's pydantic model,
and every error comes back as a problem document inside a `failed` ToolResult, never as a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from cockpit import deadline
from cockpit.errors import Forbidden, ProblemError, ToolNotFound, from_pydantic
from cockpit.observability import log_crash, logger, tracer
from cockpit.tools.declaration import ToolDeclaration
from cockpit.tools.model import ToolInvocation, ToolResult

A = TypeVar("A", bound=BaseModel)
Perform = Callable[[ToolInvocation, Any], "ToolResult | BaseModel"]
# The confirmation question for these arguments, or None when they need no confirmation.
Preview = Callable[[ToolInvocation, Any], "str | None"]


@dataclass(frozen=True)
class _Entry(Generic[A]):
    arguments: type[A]
    perform: Perform
    preview: Preview | None


class ToolHandlers:
    def __init__(self) -> None:
        self._entries: dict[str, _Entry[Any]] = {}
        self._commands: dict[str, _Entry[Any]] = {}

    def tool(
        self, name: str, arguments: type[A], *, preview: Preview | None = None
    ) -> Callable[[Perform], Perform]:
        def register(perform: Perform) -> Perform:
            self._entries[name] = _Entry(arguments, perform, preview)
            return perform

        return register

    def command(self, name: str, arguments: type[A]) -> Callable[[Perform], Perform]:
        """An internal command other functions send (`payments.authorize`): never a tool, so never in
        the catalog nor reachable through the dispatcher; no preview, no confirmation."""
        if "." not in name:
            raise ValueError(f"command {name!r}: a command's name has a dot, a tool's never")

        def register(perform: Perform) -> Perform:
            self._commands[name] = _Entry(arguments, perform, None)
            return perform

        return register

    def serve(
        self, declared: ToolDeclaration[A, Any], *, preview: Preview | None = None
    ) -> Callable[[Perform], Perform]:
        """Serve a declared tool (its `<domain>/tools.py` declaration): the arguments parse into its model."""
        return self.tool(declared.name, declared.arguments, preview=preview)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._entries)

    def arguments_of(self, name: str) -> type[BaseModel]:
        """The pydantic model that parses this tool's arguments (the catalog's schema must agree with it)."""
        model: type[BaseModel] = self._entries[name].arguments
        return model

    def handle(self, event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
        deadline.start(context)
        tracer()
        invocation = ToolInvocation.model_validate(event)
        logger().set_correlation_id(invocation.invocation_id)
        try:
            result = self._run(invocation)
        except ProblemError as exc:
            logger().info("tool refused", extra={"tool": invocation.tool, "status": exc.status})
            result = ToolResult(status="failed", error=exc.problem(), retry_after=exc.retry_after)
        except Exception as exc:
            log_crash("tool crashed", exc, tool=invocation.tool)
            result = ToolResult(status="failed", error=ProblemError(f"{invocation.tool} failed").problem())
        return result.model_dump(mode="json", exclude_none=True)

    def _run(self, invocation: ToolInvocation) -> ToolResult:
        served = self._commands if invocation.kind == "command" else self._entries
        entry = served.get(invocation.tool)
        if entry is None:
            raise ToolNotFound(f"this function does not serve {invocation.tool}")
        try:
            args = entry.arguments.model_validate(invocation.arguments)
        except ValidationError as exc:
            raise from_pydantic(exc, prefix=("arguments",)) from None
        if invocation.phase == "preview":
            if entry.preview is None:
                raise ToolNotFound(f"{invocation.tool} has no confirmation preview")
            summary = entry.preview(invocation, args)
            if summary is None:
                return ToolResult(status="succeeded", result={"confirmation_required": False})
            return ToolResult(status="succeeded", result={"summary": summary})
        if (  # a second line behind the gateway: the domain decides again whether a yes is needed
            entry.preview is not None
            and not invocation.confirmed
            and entry.preview(invocation, args) is not None
        ):
            raise Forbidden(f"{invocation.tool} needs the driver's confirmation")
        out = entry.perform(invocation, args)
        if isinstance(out, ToolResult):
            return out
        return ToolResult(status="succeeded", result=out.model_dump(mode="json", exclude_none=True))
