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


LOCAL_SERVER = {"url": "http://127.0.0.1:3000", "description": "make run (the local runtime)"}
_POINT = {"lat": 31.2304, "lon": 121.4737}
_PARTNER_DOCUMENT = """openapi: 3.1.0
info: {title: ACME Parking, version: 2.3.0}
paths:
  /spots:
    get:
      operationId: searchSpots
      summary: Find free parking spots near a point
      parameters:
        - {name: lat, in: query, required: true, schema: {type: number}}
        - {name: lon, in: query, required: true, schema: {type: number}}
      responses:
        '200': {description: Spots, content: {application/json: {schema: {type: object}}}}
"""
_CONTRACT = {
    "namespace": "acme_parking",
    "display_name": "ACME Parking",
    "openapi": _PARTNER_DOCUMENT,
    "base_url": "https://api.acme-parking.example/v2",
    "auth": {"type": "api_key", "in": "header", "name": "X-Api-Key", "value": "your-api-key"},
    "confirmation_required": [],
    "timeout_ms": 3000,
}
# A request example for every operation, by operationId: its body (`body`, by example name) and its
# parameters (`parameters`, by name). A unit test holds every operation of the document to having one,
# and every body example to the operation's own schema.
EXAMPLES: dict[str, dict[str, Any]] = {
    "get_health": {},
    "get_openapi": {},
    "list_tools": {"parameters": {"format": "openai"}},
    "invoke_tool": {
        "parameters": {"name": "charging_find_stations", "Idempotency-Key": "3f6c1d2e-start-1"},
        "body": {
            "find_stations": {
                "summary": "A read: fast chargers near People's Square",
                "value": {"arguments": {"location": _POINT, "radius_km": 2, "min_power_kw": 60}},
            },
            "confirmed_start": {
                "summary": "A write repeated with the driver's yes (tool charging_start_session)",
                "value": {
                    "arguments": {"station_id": "sh-0001"},
                    "confirmation_token": "the token the first call answered",
                },
            },
        },
    },
    "get_operation": {"parameters": {"operation_id": "op_0123456789abcdef01234567"}},
    "mcp": {
        "parameters": {
            "Idempotency-Key": "3f6c1d2e-mcp-1",
            "MCP-Protocol-Version": "2025-11-25",
            "Mcp-Method": "tools/list",
        },
        "body": {
            "tools_list": {
                "summary": "List the tools (JSON-RPC 2.0)",
                "value": {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
            }
        },
    },
    "create_session": {
        "body": {
            "english": {
                "summary": "A car in Shanghai, a quarter charged",
                "value": {
                    "locale": "en-US",
                    "vehicle": {
                        "location": _POINT,
                        "battery_percent": 23,
                        "range_km": 80,
                        "connectors": ["GB_T_DC", "CCS2"],
                        "heading_deg": 90,
                    },
                },
            }
        }
    },
    "get_session": {"parameters": {"session_id": "ses_0123456789abcdef01234567"}},
    "delete_session": {"parameters": {"session_id": "ses_0123456789abcdef01234567"}},
    "take_turn": {
        "parameters": {"session_id": "ses_0123456789abcdef01234567"},
        "body": {
            "ask": {
                "summary": "Ask, with the car's latest battery level",
                "value": {"text": "find a fast charger on the way", "vehicle": {"battery_percent": 21}},
            },
            "confirm": {
                "summary": "The driver pressed Confirm on the pending question",
                "value": {"confirm": "the pending_confirmation token"},
            },
        },
    },
    "register_contract": {"parameters": {"dry_run": "true"}, "body": {"acme": {"value": _CONTRACT}}},
    "list_contracts": {},
    "get_contract": {"parameters": {"contract_id": "ctr_0123456789abcdef0123"}},
    "update_contract": {
        "parameters": {"contract_id": "ctr_0123456789abcdef0123", "dry_run": "false"},
        "body": {"new_version": {"value": {**_CONTRACT, "timeout_ms": 5000}}},
    },
    "retire_contract": {"parameters": {"contract_id": "ctr_0123456789abcdef0123"}},
    "approve_contract": {
        "parameters": {"contract_id": "ctr_0123456789abcdef0123"},
        "body": {"waive": {"value": {"waive_confirmation": ["cancelReservation"]}}},
    },
}
# Routes whose body the resolver reads as raw JSON (no request model): the schema the document shows.
_RAW_BODIES = {"mcp": {"type": "object", "description": "one JSON-RPC 2.0 message"}}


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
    params = _parameters(route)
    if params:
        op["parameters"] = params
    _add_examples(op, route, refs, params)
    return op


def _add_examples(op: dict[str, Any], route: Route, refs: Refs, params: list[dict[str, Any]]) -> None:
    """The operation's request example: parameter and body examples, and a curl sample."""
    example = EXAMPLES.get(route.operation_id, {})
    for param in params:
        if param["name"] in example.get("parameters", {}):
            param["example"] = example["parameters"][param["name"]]
    schema = (
        refs[(route.request.__name__, "validation")]
        if route.request is not None
        else _RAW_BODIES.get(route.operation_id)
    )
    if schema is not None:
        media: dict[str, Any] = {"schema": schema}
        if "body" in example:
            media["examples"] = example["body"]
        op["requestBody"] = {
            "required": route.body_required if route.request is not None else True,
            "content": {"application/json": media},
        }
    op["x-codeSamples"] = [{"lang": "curl", "label": "curl", "source": _curl(route, example)}]


def _curl(route: Route, example: dict[str, Any]) -> str:
    """A curl command for the operation with its example, against the local runtime."""
    values = example.get("parameters", {})
    path = re.sub(r"{(\w+)\+?}", lambda m: str(values.get(m.group(1), m.group(0))), route.resource)
    query = "&".join(f"{n}={values[n]}" for n in route.query if n in values)
    url = LOCAL_SERVER["url"] + path + (f"?{query}" if query else "")
    lines = [f"curl -X {route.method} '{url}'"]
    if route.roles is not None:
        lines.append('-H "Authorization: Bearer $TOKEN"')
    lines += [f"-H '{n}: {values[n]}'" for n in route.headers if n in values]
    if "body" in example:
        first = next(iter(example["body"].values()))["value"]
        lines += ["-H 'Content-Type: application/json'", f"-d '{json.dumps(first, ensure_ascii=False)}'"]
    return " \\\n  ".join(lines)


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
        "servers": [LOCAL_SERVER],
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
