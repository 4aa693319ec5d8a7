"""OpenAPI documents for the compiler's tests and bench, built in code: a machine-generated style
document of several megabytes with hundreds of operations, long `$ref` chains, reference cycles,
`allOf`/`oneOf`/`anyOf`, `nullable`, path-level parameters and every parameter location. Its shape
follows what large public API descriptions do (resource families with list/get/create/update/delete,
shared components, paginated list envelopes, expandable nested objects), with invented content."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "contracts" / "examples"
LOREM = (
    "This field is maintained by the service and may change between API versions without notice; "
    "clients should treat unknown values gracefully and never depend on their order. "
)


def example(name: str) -> str:
    return (EXAMPLES / name).read_text()


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def large_document(resources: int = 80, chain: int = 40, padding: int = 6, seed: int = 7) -> dict[str, Any]:
    """`resources` x 5 operations; a `$ref` chain `chain` deep; cycles through every resource."""
    rng = random.Random(seed)
    schemas: dict[str, Any] = {
        "Money": {
            "type": "object",
            "required": ["amount", "currency"],
            "properties": {
                "amount": {"type": "integer"},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            },
        },
        "Metadata": {
            "type": "object",
            "additionalProperties": {"type": "string", "maxLength": 500},
            "description": LOREM * padding,
        },
        "Node": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "children": {"type": "array", "items": ref("Node")},
                "parent": {"allOf": [ref("Node")], "nullable": True},
            },
        },
    }
    for depth in range(chain):  # Link0 → Link1 → … → Link{chain-1}
        nxt = ref(f"Link{depth + 1}") if depth + 1 < chain else {"type": "string"}
        schemas[f"Link{depth}"] = {
            "type": "object",
            "properties": {"level": {"type": "integer", "enum": [depth]}, "next": nxt},
        }
    paths: dict[str, Any] = {}
    for i in range(resources):
        name = f"Resource{i:03d}"
        other = f"Resource{rng.randrange(resources):03d}"
        schemas[name] = {
            "type": "object",
            "description": f"A {name}. " + LOREM * padding,
            "required": ["id", "created"],
            "properties": {
                "id": {"type": "string", "readOnly": True, "description": LOREM},
                "created": {"type": "integer", "format": "int64", "readOnly": True},
                "status": {"type": "string", "enum": ["active", "inactive", "archived"], "nullable": True},
                "amount": ref("Money"),
                "metadata": ref("Metadata"),
                "related": {"anyOf": [{"type": "string"}, ref(other)], "description": "Expandable."},
                "tree": ref("Node"),
                "chain": ref("Link0"),
                "secret_token": {"type": "string", "writeOnly": True},
                "kind": {
                    "oneOf": [
                        {"type": "string", "enum": ["a", "b"]},
                        {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
                    ]
                },
                "notes": {"type": "string", "maxLength": 5000, "description": LOREM * padding},
            },
        }
        schemas[f"{name}List"] = {
            "type": "object",
            "required": ["data", "has_more"],
            "properties": {
                "data": {"type": "array", "items": ref(name)},
                "has_more": {"type": "boolean"},
                "url": {"type": "string"},
            },
        }
        base = f"/v1/resource{i:03d}s"
        paging = [
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
            {"name": "starting_after", "in": "query", "schema": {"type": "string"}},
            {
                "name": "expand[]",
                "in": "query",
                "style": "form",
                "explode": True,
                "schema": {"type": "array", "items": {"type": "string"}},
            },
            {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 255}},
        ]
        body = {"required": True, "content": {"application/json": {"schema": ref(name)}}}
        ok = {"description": "OK", "content": {"application/json": {"schema": ref(name)}}}
        listed = {"description": "OK", "content": {"application/json": {"schema": ref(f"{name}List")}}}
        error = {"description": "Error", "content": {"application/json": {"schema": {"type": "object"}}}}
        paths[base] = {
            "get": {
                "operationId": f"List{name}s",
                "summary": f"List {name}s",
                "description": LOREM * padding,
                "parameters": paging,
                "responses": {"200": listed, "default": error},
            },
            "post": {
                "operationId": f"Post{name}s",
                "summary": f"Create a {name}",
                "requestBody": body,
                "responses": {"200": ok, "default": error},
            },
        }
        paths[base + "/{id}"] = {
            "parameters": [
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "maxLength": 5000},
                }
            ],
            "get": {
                "operationId": f"Get{name}sId",
                "summary": f"Retrieve a {name}",
                "responses": {"200": ok},
            },
            "post": {
                "operationId": f"Post{name}sId",
                "summary": f"Update a {name}",
                "requestBody": body,
                "responses": {"200": ok},
            },
            "delete": {
                "operationId": f"Delete{name}sId",
                "summary": f"Delete a {name}",
                "responses": {
                    "200": {
                        "description": "Deleted",
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "properties": {"deleted": {"type": "boolean"}}}
                            }
                        },
                    }
                },
            },
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Generated", "version": "2026-01-01"},
        "paths": paths,
        "components": {"schemas": schemas},
    }
