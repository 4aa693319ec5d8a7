"""The compiler's entry point: an OpenAPI document and the partner's choices → tools, or a 4xx naming
everything wrong at once (by JSON Pointer into the request body)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cockpit.partners.model import BodyBinding, HttpMethod, ParameterBinding
from cockpit.tools.model import Effect
from registry.compiler import document, operations
from registry.compiler.binding import Binder, Unsupported
from registry.compiler.naming import tool_names
from registry.compiler.problems import Problems
from registry.compiler.refs import Refs
from registry.compiler.schemas import Schemas, trim

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Options:
    namespace: str
    operations: list[str] | None = None  # operationIds or "METHOD /path"; None: all
    confirmation_required: list[str] = field(default_factory=list)
    reserved_parameters: frozenset[tuple[str, str]] = frozenset()  # (in, lower-case name) auth sets
    max_operations: int = 100
    max_document_bytes: int = 4 * 1024 * 1024


@dataclass(frozen=True)
class CompiledTool:
    name: str
    operation_id: str  # the operationId, or "METHOD /path"
    title: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None
    effect: Effect
    requires_confirmation: bool
    method: HttpMethod
    path: str
    parameters: tuple[ParameterBinding, ...]
    body: BodyBinding | None
    response_media_type: str | None
    result_property: str | None


@dataclass(frozen=True)
class Compiled:
    tools: list[CompiledTool]
    warnings: list[str]
    document: dict[str, Any]


def compile_contract(openapi: Any, options: Options) -> Compiled:
    doc = document.load(openapi, max_bytes=options.max_document_bytes)
    problems = Problems()
    refs = Refs(doc, problems)
    found = operations.find(doc, refs, problems)
    chosen = operations.select(
        found, options.operations, options.confirmation_required, options.max_operations, problems
    )
    problems.raise_if_any("the contract cannot be compiled")
    openapi31 = str(doc["openapi"]).startswith("3.1")
    request = Schemas(refs, problems, direction="request", openapi31=openapi31)
    response = Schemas(refs, problems, direction="response", openapi31=openapi31)
    binder = Binder(refs, problems, request, response, options.reserved_parameters)
    roots = [binder.schema_roots(op) for op in chosen]
    request.prepare([r for req, _ in roots for r in req])
    response.prepare([r for _, res in roots for r in res])
    problems.raise_if_any("the document's references are broken")
    names = tool_names(options.namespace, [(op.operation_id, op.method, op.path) for op in chosen])
    explicit = options.operations is not None
    tools = []
    for op, name in zip(chosen, names, strict=True):
        try:
            built = binder.build(op)
        except Unsupported as exc:
            if explicit:
                problems.error(op.where, f"{op.key} cannot be a tool: {exc}")
            else:
                problems.warn(op.where, f"{op.key} left out: {exc}")
            continue
        if op.raw.get("servers"):
            problems.warn(
                [*op.where, "servers"], "this operation names its own servers; it is called at base_url"
            )
        # A write always asks the driver first (issue 14); only the approving admin may waive it.
        confirm = op.method not in READ_METHODS or operations.confirmed(op, options.confirmation_required)
        tools.append(_tool(op, name, built, confirm))
    problems.raise_if_any("the contract cannot be compiled")
    if not tools:
        problems.error_at("/operations", "no operation of the document can be offered as a tool")
        problems.raise_if_any("the contract has no usable operation")
    return Compiled(tools, problems.warnings, doc)


def _tool(op: operations.Operation, name: str, built: Any, confirm: bool) -> CompiledTool:
    summary = op.raw.get("summary") if isinstance(op.raw.get("summary"), str) else ""
    details = op.raw.get("description") if isinstance(op.raw.get("description"), str) else ""
    text = ". ".join(p.strip().rstrip(".") for p in (summary, details) if p and p.strip())
    return CompiledTool(
        name=name,
        operation_id=op.key,
        title=trim(summary or op.operation_id or f"{op.method} {op.path}", 100),
        description=trim(text or f"{op.method} {op.path}"),
        input_schema=built.input_schema,
        output_schema=built.output_schema,
        effect=Effect.READ if op.method in READ_METHODS else Effect.WRITE,
        requires_confirmation=confirm,
        method=op.method,  # type: ignore[arg-type]
        path=op.path,
        parameters=built.parameters,
        body=built.body,
        response_media_type=built.response_media_type,
        result_property=built.result_property,
    )
