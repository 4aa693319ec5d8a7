"""Shapes that public OpenAPI descriptions use, rebuilt in code (no document is copied): the OAI
examples (a root path `/`, hyphenated operationIds, form bodies with defaults, unknown formats, a
string result, 3.1 webhooks beside paths), GitHub's (slashes in operationIds, shared parameters and
responses by `$ref`, `oneOf` results, `x-` extensions everywhere), Stripe's (deepObject queries,
`anyOf` with an empty-string enum, form bodies nesting objects, 5000-character strings, very long
operationIds) and Kubernetes' (dotted schema names, path-level parameters, `~1` in pointers)."""

from __future__ import annotations

import json
from typing import Any

from registry.compiler.compile import Options, compile_contract


def build(
    paths: dict[str, Any], components: dict[str, Any] | None = None, version: str = "3.0.3"
) -> dict[str, Any]:
    return {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": components or {},
    }


def json_ok(schema: Any) -> dict[str, Any]:
    return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def test_oai_example_shapes() -> None:
    document = build(
        {
            "/": {
                "get": {
                    "operationId": "list-data-sets",
                    "responses": json_ok({"$ref": "#/components/schemas/dataSetList"}),
                }
            },
            "/{dataset}/{version}/fields": {
                "get": {
                    "operationId": "list-searchable-fields",
                    "parameters": [
                        {
                            "name": "dataset",
                            "in": "path",
                            "required": True,
                            "example": "oa_citations",
                            "schema": {"type": "string"},
                        },
                        {"name": "version", "in": "path", "required": True, "schema": {"type": "string"}},
                    ],
                    "responses": json_ok({"type": "string"}),
                }
            },
            "/{dataset}/{version}/records": {
                "post": {
                    "operationId": "perform-search",
                    "parameters": [
                        {
                            "name": "version",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "default": "v1"},
                        },
                        {"name": "dataset", "in": "path", "required": True, "schema": {"type": "string"}},
                    ],
                    "requestBody": {
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "required": ["criteria"],
                                    "properties": {
                                        "criteria": {"type": "string", "default": "*:*"},
                                        "rows": {"type": "integer", "default": 100},
                                    },
                                }
                            }
                        }
                    },
                    "responses": json_ok(
                        {
                            "type": "array",
                            "items": {"type": "object", "additionalProperties": {"type": "object"}},
                        }
                    ),
                }
            },
        },
        {
            "schemas": {
                "dataSetList": {
                    "type": "object",
                    "properties": {"apiUrl": {"type": "string", "format": "uriref"}},
                }
            }
        },
    )
    document["webhooks"] = {"newThing": {"post": {"responses": {"200": {"description": "ok"}}}}}
    tools = {t.name: t for t in compile_contract(document, Options(namespace="uspto")).tools}
    assert list(tools) == ["uspto_list_data_sets", "uspto_list_searchable_fields", "uspto_perform_search"]
    search = tools["uspto_perform_search"]
    assert search.body is not None and search.body.properties == ("criteria", "rows")
    assert search.input_schema["required"] == [
        "version",
        "dataset",
    ]  # the body is optional: so are its fields
    assert (
        search.result_property == "data" and tools["uspto_list_searchable_fields"].result_property == "data"
    )
    assert tools["uspto_list_data_sets"].output_schema["properties"]["apiUrl"] == {
        "type": "string",
        "format": "uriref",
    }  # type: ignore[index]


def test_github_like_shapes() -> None:
    components = {
        "parameters": {
            "owner": {"name": "owner", "in": "path", "required": True, "schema": {"type": "string"}},
            "per-page": {"name": "per_page", "in": "query", "schema": {"type": "integer", "default": 30}},
        },
        "responses": {
            "not_found": {
                "description": "Resource not found",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/basic-error"}}},
            }
        },
        "schemas": {
            "basic-error": {"type": "object", "properties": {"message": {"type": "string"}}},
            "simple-user": {
                "title": "Simple User",
                "type": "object",
                "properties": {"login": {"type": "string"}, "email": {"type": "string", "nullable": True}},
            },
            "repository": {
                "type": "object",
                "x-github-breaking-changes": [],
                "properties": {
                    "owner": {"$ref": "#/components/schemas/simple-user"},
                    "template_repository": {
                        "nullable": True,
                        "allOf": [{"$ref": "#/components/schemas/repository"}],
                    },
                },
            },
        },
    }
    document = build(
        {
            "/orgs/{owner}/repos": {
                "get": {
                    "operationId": "repos/list-for-org",
                    "x-github": {"category": "repos"},
                    "parameters": [
                        {"$ref": "#/components/parameters/owner"},
                        {"$ref": "#/components/parameters/per-page"},
                    ],
                    "responses": {
                        **json_ok(
                            {
                                "oneOf": [
                                    {"type": "array", "items": {"$ref": "#/components/schemas/repository"}},
                                    {"$ref": "#/components/schemas/basic-error"},
                                ]
                            }
                        ),
                        "404": {"$ref": "#/components/responses/not_found"},
                    },
                }
            }
        },
        components,
    )
    (tool,) = compile_contract(document, Options(namespace="gh")).tools
    assert tool.name == "gh_repos_list_for_org" and [p.argument for p in tool.parameters] == [
        "owner",
        "per_page",
    ]
    out = tool.output_schema
    assert out is not None and tool.result_property == "data"
    assert set(out["$defs"]) == {"repository"}  # recursive through template_repository
    template = out["$defs"]["repository"]["properties"]["template_repository"]
    assert template == {"anyOf": [{"allOf": [{"$ref": "#/$defs/repository"}]}, {"type": "null"}]}


def test_stripe_like_shapes() -> None:
    long_id = "PostCustomersCustomerSourcesIdVerifyWithMicrodepositAmountsAndDescriptorCodes"
    document = build(
        {
            "/v1/customers/{customer}/sources/{id}/verify": {
                "post": {
                    "operationId": long_id,
                    "parameters": [
                        {
                            "name": "customer",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 5000},
                        },
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 5000},
                        },
                        {
                            "name": "created",
                            "in": "query",
                            "style": "deepObject",
                            "explode": True,
                            "schema": {
                                "anyOf": [
                                    {"type": "object", "properties": {"gt": {"type": "integer"}}},
                                    {"type": "integer"},
                                ]
                            },
                        },
                    ],
                    "requestBody": {
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "encoding": {"amounts": {"explode": True, "style": "deepObject"}},
                                "schema": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "properties": {
                                        "amounts": {"type": "array", "items": {"type": "integer"}},
                                        "metadata": {
                                            "anyOf": [
                                                {
                                                    "type": "object",
                                                    "additionalProperties": {"type": "string"},
                                                },
                                                {"type": "string", "enum": [""]},
                                            ]
                                        },
                                        "expand": {
                                            "type": "array",
                                            "items": {"type": "string", "maxLength": 5000},
                                        },
                                    },
                                },
                            }
                        }
                    },
                    "responses": json_ok(
                        {
                            "type": "object",
                            "x-expandableFields": ["customer"],
                            "properties": {"id": {"type": "string"}},
                        }
                    ),
                }
            }
        }
    )
    (tool,) = compile_contract(document, Options(namespace="stripe_payments")).tools
    assert len(tool.name) == 64 and tool.name.startswith("stripe_payments_post_customers_customer_sources")
    created = next(p for p in tool.parameters if p.name == "created")
    assert (created.style, created.explode) == ("deepObject", True)
    assert tool.body is not None and tool.body.properties == ("amounts", "metadata", "expand")
    assert tool.input_schema["properties"]["metadata"]["anyOf"][1] == {"type": "string", "enum": [""]}
    assert "x-expandableFields" not in json.dumps(tool.output_schema)


def test_kubernetes_like_shapes() -> None:
    name = "io.k8s.api.core.v1.Pod"
    document = build(
        {
            "/api/v1/namespaces/{namespace}/pods/{name}": {
                "parameters": [
                    {
                        "name": "namespace",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                        "uniqueItems": True,
                    },
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "pretty", "in": "query", "schema": {"type": "string"}},
                ],
                "get": {
                    "operationId": "readCoreV1NamespacedPod",
                    "x-kubernetes-action": "get",
                    "responses": json_ok({"$ref": f"#/components/schemas/{name}"}),
                },
            }
        },
        {
            "schemas": {
                name: {
                    "type": "object",
                    "properties": {
                        "spec": {"$ref": "#/components/schemas/io.k8s.api.core.v1.PodSpec"},
                        "owner": {"$ref": f"#/components/schemas/{name}"},
                    },
                },
                "io.k8s.api.core.v1.PodSpec": {"type": "object", "properties": {"a~b/c": {"type": "string"}}},
                "weird~name/x": {"type": "string"},
            }
        },
    )
    (tool,) = compile_contract(document, Options(namespace="k8s")).tools
    assert tool.name == "k8s_read_core_v1_namespaced_pod" and len(tool.parameters) == 3
    assert tool.output_schema is not None and tool.output_schema["properties"]["owner"] == {
        "$ref": f"#/$defs/{name}"
    }
    assert tool.output_schema["$defs"][name]["properties"]["spec"]["properties"] == {
        "a~b/c": {"type": "string"}
    }
