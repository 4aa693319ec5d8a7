"""The OpenAPI 3.1 document, generated from the routes' own metadata and pydantic models.

One document for the whole v1 API, whichever function serves a route: `make openapi` builds it from every
function's `Api` (API_REFERENCES) and writes it to docs/openapi.json and into the layer
(cockpit/openapi.json), from where the router serves it at /v1/openapi.json (`cockpit.openapi.served`)
without importing the other functions. A test fails when either file drifts from the code.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from cockpit import __version__
from cockpit.api import HEADER_MAX_LENGTH, PROBLEM_JSON, Api, Route
from cockpit.errors import Problem

REF = "#/components/schemas/{model}"
# Every function's public routes, as `package.module:attribute` (named here, in the development package).
API_REFERENCES = ("router.handler:app", "assistant.handler:app", "registry.handler:app")
DESCRIPTION = (
    "One safe, fast, stable interface between in-car AI assistants and digital services. "
    "Errors are RFC 9457 problem documents. Authenticate with `Authorization: Bearer <JWT>` (RS256)."
)
_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing or invalid token",
    402: "Payment declined",
    403: "Not allowed for this caller",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Body over 256 KiB",
    415: "Not JSON",
    422: "Failed validation",
    429: "Rate limited",
    502: "Upstream answered badly",
    503: "Upstream unavailable (circuit open)",
    504: "Upstream timed out",
}


def _models(routes: Sequence[Route]) -> list[tuple[type[BaseModel], Literal["validation", "serialization"]]]:
    wanted: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [
        (Problem, "serialization")
    ]
    for r in routes:
        if r.request is not None:
            wanted.append((r.request, "validation"))
        if r.response is not None:
            wanted.append((r.response, "serialization"))
    return list(dict.fromkeys(wanted))


_HEADER = {"type": "string", "minLength": 1, "maxLength": HEADER_MAX_LENGTH}  # Request.header's rule


def _parameters(route: Route) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)\+?}", route.resource)
    ]
    params += [
        {"name": n, "in": "query", "required": False, "description": d,
         "schema": dict(route.schemas.get(n, {"type": "string"}))}
        for n, d in route.query.items()
    ]  # fmt: skip
    params += [
        {"name": n, "in": "header", "required": False, "description": d,
         "schema": dict(route.schemas.get(n, _HEADER))}
        for n, d in route.headers.items()
    ]  # fmt: skip
    return params


def _problems(route: Route) -> list[int]:
    """What the route declares, plus what the resolver itself answers: 400 for a malformed (or too
    deep) body or a bad header or query value, 413 and 415 for any body."""
    found = set(route.problems)
    if route.request is not None or route.query or route.headers:
        found.add(400)
    if route.request is not None:
        found |= {413, 415}
    return sorted(found)


Refs = dict[tuple[str, str], dict[str, Any]]


def _operation(route: Route, refs: Refs) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "OK"}
    if route.status == 204:
        ok = {"description": "No content"}
    elif route.response is not None:
        ok["content"] = {"application/json": {"schema": refs[(route.response.__name__, "serialization")]}}
    else:
        ok["content"] = {"application/json": {"schema": {"type": "object"}}}
    responses: dict[str, Any] = {str(route.status): ok}
    for status, description in route.also.items():  # other success answers, same body
        responses[str(status)] = {**ok, "description": description}
    for status in _problems(route):
        responses[str(status)] = {
            "description": _DESCRIPTIONS.get(status, "Problem"),
            "content": {PROBLEM_JSON: {"schema": {"$ref": REF.format(model="Problem")}}},
        }
    op: dict[str, Any] = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "tags": list(route.tags),
        "responses": responses,
        "security": [] if route.roles is None else [{"bearerAuth": []}],
    }
    if route.roles is not None:
        op["x-roles"] = sorted(r.value for r in route.roles)
    if params := _parameters(route):
        op["parameters"] = params
    if route.request is not None:
        op["requestBody"] = {
            "required": route.body_required,
            "content": {"application/json": {"schema": refs[(route.request.__name__, "validation")]}},
        }
    return op


def _reachable(start: Any, defs: dict[str, Any]) -> set[str]:
    """Names of the component schemas `start` refers to, directly or through others."""
    found: set[str] = set()
    frontier = [start]
    while frontier:
        node = frontier.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in found:
                    found.add(name)
                    frontier.append(defs.get(name))
            frontier.extend(v for k, v in node.items() if k != "$ref")
        elif isinstance(node, list):
            frontier.extend(node)
    return found


def _omitted_nulls_optional(routes: Sequence[Route], refs: Refs, defs: dict[str, Any]) -> None:
    """A route with `exclude_none` leaves null fields out of its answer: in the schemas only its answers
    use, a field that may be null is not required (it is absent rather than null)."""
    answers = {
        name
        for r in routes
        if r.exclude_none and r.response is not None
        for name in _reachable(refs[(r.response.__name__, "serialization")], defs)
    }
    requests = {
        name
        for r in routes
        if r.request is not None
        for name in _reachable(refs[(r.request.__name__, "validation")], defs)
    }
    for name in answers - requests:
        schema = defs[name]
        props = schema.get("properties", {})
        nullable = {p for p, s in props.items() if {"type": "null"} in s.get("anyOf", [])}
        if schema.get("required") and nullable:
            schema["required"] = [p for p in schema["required"] if p not in nullable]


def document(apis: Sequence[Api]) -> dict[str, Any]:
    routes = [r for api in apis for r in api.routes.values()]
    keyed, defs = models_json_schema(_models(routes), ref_template=REF)
    refs: Refs = {(model.__name__, mode): schema for (model, mode), schema in keyed.items()}
    _omitted_nulls_optional(routes, refs, defs.get("$defs", {}))
    paths: dict[str, dict[str, Any]] = {}
    for route in sorted(routes, key=lambda r: (r.resource, r.method)):
        paths.setdefault(route.resource, {})[route.method.lower()] = _operation(route, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": apis[0].title, "version": __version__, "description": DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def text(apis: Sequence[Api]) -> str:
    """The committed form: indented, sorted keys, trailing newline."""
    return json.dumps(document(apis), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load(reference: str) -> Api:
    """An Api named as `package.module:attribute` (the CLI is told which; the layer imports no function)."""
    module, _, attribute = reference.partition(":")
    found = getattr(importlib.import_module(module), attribute)
    if not isinstance(found, Api):
        raise TypeError(f"{reference} is not a cockpit.api.Api")
    return found


def write(paths: Sequence[str], references: Sequence[str] = API_REFERENCES) -> None:
    content = text([load(r) for r in references])
    for path in paths:
        Path(path).write_text(content, encoding="utf-8")
