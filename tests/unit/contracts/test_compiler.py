"""The OpenAPI → tools compiler on hand-written documents: every construct it must carry over, and
every bad document it must refuse with a problem naming what is wrong and where."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cockpit.errors import InvalidContract, PayloadTooLarge, ProblemError
from cockpit.tools.model import Effect
from registry.compiler.compile import Compiled, CompiledTool, Options, compile_contract
from tests.support.openapi_docs import example


def doc(
    paths: dict[str, Any], schemas: dict[str, Any] | None = None, version: str = "3.0.3"
) -> dict[str, Any]:
    out: dict[str, Any] = {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": paths}
    if schemas is not None:
        out["components"] = {"schemas": schemas}
    return out


def ok(schema: Any, code: str = "200") -> dict[str, Any]:
    return {code: {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def compiled(document: Any, **options: Any) -> Compiled:
    return compile_contract(document, Options(namespace=options.pop("namespace", "acme"), **options))


def one(document: Any, **options: Any) -> CompiledTool:
    (tool,) = compiled(document, **options).tools
    return tool


def refused(document: Any, **options: Any) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        compiled(document, **options)
    return caught.value


def pointers(error: ProblemError) -> list[str]:
    return [e.pointer or "" for e in error.errors or []]


# -- the examples ---------------------------------------------------------------------------------------


def test_the_parking_example_compiles_to_four_tools_with_exact_bindings() -> None:
    result = compiled(
        example("acme-parking.openapi.yaml"),
        namespace="acme_parking",
        confirmation_required=["createReservation"],
    )
    by_name = {t.name: t for t in result.tools}
    assert list(by_name) == [
        "acme_parking_search_spots",
        "acme_parking_get_spot",
        "acme_parking_create_reservation",
        "acme_parking_cancel_reservation",
    ]
    assert result.warnings == []
    search = by_name["acme_parking_search_spots"]
    assert search.effect is Effect.READ and not search.requires_confirmation
    assert search.input_schema["required"] == ["lat", "lon"]
    assert search.input_schema["additionalProperties"] is False
    features = next(p for p in search.parameters if p.name == "features")
    assert (features.location, features.style, features.explode) == ("query", "form", False)
    assert search.input_schema["properties"]["features"]["items"]["enum"][0] == "ev_charger"
    assert search.output_schema is not None and search.output_schema["required"] == ["spots"]
    create = by_name["acme_parking_create_reservation"]
    assert create.effect is Effect.WRITE and create.requires_confirmation
    assert create.body is not None and create.body.properties == ("spot_id", "start", "duration_min", "plate")
    assert "id" not in create.input_schema["properties"]  # readOnly: not sent in a request
    assert create.input_schema["required"] == ["spot_id", "start", "duration_min", "plate"]
    cancel = by_name["acme_parking_cancel_reservation"]
    assert cancel.method == "DELETE" and cancel.output_schema is None and cancel.response_media_type is None
    assert by_name["acme_parking_get_spot"].parameters[0].name == "spotId"  # from the Path Item


def test_the_car_wash_example_has_a_form_body_and_a_wrapped_array_result() -> None:
    tools = {t.name: t for t in compiled(example("sparkle-carwash.openapi.json"), namespace="sparkle").tools}
    book = tools["sparkle_book_wash"]
    assert book.body is not None and book.body.media_type == "application/x-www-form-urlencoded"
    assert book.input_schema["properties"]["slot"]["type"] == ["string", "null"]
    listing = tools["sparkle_list_locations"]
    assert listing.result_property == "data"
    assert listing.output_schema == {
        "type": "object",
        "properties": {
            "data": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "address": {"type": "string"},
                        "open_now": {"type": "boolean"},
                        "distance_km": {"type": "number", "minimum": 0},
                    },
                },
            }
        },
        "required": ["data"],
    }


def test_yaml_with_numeric_response_codes_and_a_recursive_schema() -> None:
    tools = {t.name: t for t in compiled(example("dragon-noodles.openapi.yaml"), namespace="dragon").tools}
    menu = tools["dragon_get_menu"].output_schema
    assert menu is not None and menu["properties"]["sections"]["items"] == {"$ref": "#/$defs/MenuSection"}
    assert set(menu["$defs"]) == {"MenuSection"}
    order = tools["dragon_place_pickup_order"]
    assert [p.name for p in order.parameters] == ["restaurantId", "X-Request-Id"]
    notes = order.input_schema["properties"]["items"]["items"]["properties"]["notes"]
    assert notes == {"type": ["string", "null"], "maxLength": 200}


# -- schema conversion ----------------------------------------------------------------------------------


def test_openapi_30_keywords_become_json_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "n": {
                "type": "integer",
                "minimum": 1,
                "exclusiveMinimum": True,
                "maximum": 9,
                "exclusiveMaximum": False,
            },
            "e": {"type": "string", "enum": ["a"], "nullable": True, "example": "a", "x-internal": 1},
            "any": {"nullable": True, "description": "anything", "discriminator": {"propertyName": "k"}},
            "w": {"type": "string", "writeOnly": True},
            "r": {"type": "string", "readOnly": True},
        },
    }
    tool = one(
        doc(
            {
                "/x": {
                    "post": {
                        "operationId": "x",
                        "requestBody": {"content": {"application/json": {"schema": schema}}},
                        "responses": ok(schema),
                    }
                }
            }
        )
    )
    props = tool.input_schema["properties"]
    assert props["n"] == {"type": "integer", "exclusiveMinimum": 1, "maximum": 9}
    assert props["e"] == {"type": ["string", "null"], "enum": ["a", None], "examples": ["a"]}
    assert props["any"] == {"description": "anything"}  # no type: null is allowed already
    assert "r" not in props and "w" in props
    assert tool.output_schema is not None and set(tool.output_schema["properties"]) == {"n", "e", "any", "r"}


def test_openapi_31_types_and_ref_siblings() -> None:
    schemas = {"Id": {"type": "string", "minLength": 3}}
    tool = one(
        doc(
            {
                "/x/{id}": {
                    "get": {
                        "operationId": "x",
                        "parameters": [
                            {
                                "name": "id",
                                "in": "path",
                                "required": True,
                                "schema": {"$ref": "#/components/schemas/Id", "maxLength": 9},
                            },
                            {
                                "name": "q",
                                "in": "query",
                                "schema": {"type": ["string", "null"], "const": "z"},
                            },
                        ],
                        "responses": ok({"type": "object"}),
                    }
                }
            },
            schemas,
            version="3.1.0",
        )
    )
    assert tool.input_schema["properties"]["id"] == {
        "allOf": [{"type": "string", "minLength": 3}],
        "maxLength": 9,
    }
    assert tool.input_schema["properties"]["q"] == {"type": ["string", "null"], "const": "z"}


def test_a_long_ref_chain_is_inlined_and_a_cycle_becomes_defs() -> None:
    schemas: dict[str, Any] = {f"L{i}": {"$ref": f"#/components/schemas/L{i + 1}"} for i in range(60)}
    schemas["L60"] = {"type": "object", "properties": {"me": {"$ref": "#/components/schemas/A"}}}
    schemas["A"] = {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}}
    schemas["B"] = {"type": "array", "items": {"$ref": "#/components/schemas/A"}}
    tool = one(
        doc(
            {"/x": {"get": {"operationId": "x", "responses": ok({"$ref": "#/components/schemas/L0"})}}},
            schemas,
        )
    )
    assert tool.output_schema == {
        "type": "object",
        "properties": {"me": {"$ref": "#/$defs/A"}},
        "$defs": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}},
            "B": {"type": "array", "items": {"$ref": "#/$defs/A"}},
        },
    }


def test_all_of_objects_count_as_an_object_result() -> None:
    schemas = {"A": {"type": "object", "properties": {"a": {"type": "string"}}}}
    tool = one(
        doc(
            {
                "/x": {
                    "get": {
                        "operationId": "x",
                        "responses": ok(
                            {
                                "allOf": [
                                    {"$ref": "#/components/schemas/A"},
                                    {"properties": {"b": {"type": "integer"}}},
                                ]
                            }
                        ),
                    }
                }
            },
            schemas,
        )
    )
    assert tool.result_property is None
    assert tool.output_schema == {
        "type": "object",
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}},
            {"properties": {"b": {"type": "integer"}}},
        ],
    }


def test_keywords_the_gateway_cannot_enforce_are_dropped_with_a_warning() -> None:
    schema = {
        "type": "object",
        "properties": {
            "p": {"type": "string", "pattern": "^(a)\\1$"},  # a back-reference: backtracking only
            "q": {"type": "string", "pattern": "(?<=a)b"},  # look-behind, likewise
            "l": {"type": "string", "pattern": "\\p{L}+"},  # RE2 runs it (Python's re could not)
            "t": {"type": "array", "prefixItems": [{"type": "string"}]},
            "m": {"type": "object", "patternProperties": {"^(?!x)": {"type": "string"}, "^y": {}}},
        },
    }
    result = compiled(
        doc(
            {
                "/x": {
                    "post": {
                        "operationId": "x",
                        "requestBody": {"content": {"application/json": {"schema": schema}}},
                        "responses": ok({"type": "object"}),
                    }
                }
            },
            version="3.1.0",
        )
    )
    assert result.tools[0].input_schema["properties"] == {
        "p": {"type": "string"},
        "q": {"type": "string"},
        "l": {"type": "string", "pattern": "\\p{L}+"},
        "t": {"type": "array"},
        "m": {"type": "object", "patternProperties": {"^y": {}}},
    }
    dropped = [w for w in result.warnings if "linear time" in w]
    assert len(dropped) == 3 and any("prefixItems" in w for w in result.warnings)


# -- parameters and bodies ------------------------------------------------------------------------------


def test_parameters_merge_path_level_ones_and_name_clashes_get_a_suffix() -> None:
    tool = one(
        doc(
            {
                "/x/{id}": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                        {"name": "id", "in": "query", "schema": {"type": "string"}},
                    ],
                    "put": {
                        "operationId": "x",
                        "parameters": [
                            {
                                "name": "id",
                                "in": "path",
                                "required": True,
                                "schema": {"type": "string", "format": "uuid"},
                            },
                            {"name": "Accept", "in": "header", "schema": {"type": "string"}},
                            {"name": "session", "in": "cookie", "schema": {"type": "string"}},
                        ],
                        "requestBody": {
                            "required": True,
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["id"],
                                        "properties": {"id": {"type": "string"}},
                                    }
                                }
                            },
                        },
                        "responses": {"204": {"description": "done"}},
                    },
                }
            }
        )
    )
    assert [(p.location, p.name, p.argument) for p in tool.parameters] == [
        ("path", "id", "id"),
        ("query", "id", "id_query"),
    ]
    assert tool.input_schema["properties"]["id"] == {"type": "string", "format": "uuid"}
    assert tool.body is not None and tool.body.argument == "body" and tool.body.properties == ()
    assert tool.input_schema["required"] == ["id", "body"]


def test_the_api_key_parameter_is_left_to_the_gateway() -> None:
    tool = one(
        doc(
            {
                "/x": {
                    "get": {
                        "operationId": "x",
                        "parameters": [
                            {
                                "name": "X-Api-Key",
                                "in": "header",
                                "required": True,
                                "schema": {"type": "string"},
                            },
                            {"name": "q", "in": "query", "schema": {"type": "string"}},
                        ],
                        "responses": ok({"type": "object"}),
                    }
                }
            }
        ),
        reserved_parameters=frozenset({("header", "x-api-key")}),
    )
    assert list(tool.input_schema["properties"]) == ["q"]


@pytest.mark.parametrize(
    ("parameter", "reason"),
    [
        ({"name": "s", "in": "cookie", "required": True, "schema": {"type": "string"}}, "cookie"),
        ({"name": "s", "in": "query", "style": "matrix", "schema": {"type": "string"}}, "style"),
    ],
)
def test_an_unusable_selected_operation_is_refused_and_an_unselected_one_left_out(
    parameter: dict[str, Any], reason: str
) -> None:
    paths = {
        "/x": {"get": {"operationId": "x", "parameters": [parameter], "responses": ok({"type": "object"})}},
        "/y": {"get": {"operationId": "y", "responses": ok({"type": "object"})}},
    }
    error = refused(doc(paths), operations=["x", "y"])
    assert pointers(error) == ["/openapi/paths/~1x/get"] and reason in (error.errors or [])[0].message
    result = compiled(doc(paths))
    assert [t.name for t in result.tools] == ["acme_y"] and reason in result.warnings[0]


def test_a_multipart_only_body_is_refused_when_required() -> None:
    error = refused(
        doc(
            {
                "/x": {
                    "post": {
                        "operationId": "x",
                        "requestBody": {
                            "required": True,
                            "content": {"multipart/form-data": {"schema": {"type": "object"}}},
                        },
                        "responses": ok({"type": "object"}),
                    }
                }
            }
        ),
        operations=["x"],
    )
    assert "multipart/form-data" in (error.errors or [])[0].message


def test_operations_are_selected_by_operation_id_or_method_and_path() -> None:
    paths = {
        "/a": {"get": {"operationId": "a", "responses": {}}, "post": {"responses": {}}},
        "/b": {"get": {"operationId": "b", "responses": {}}},
    }
    result = compiled(doc(paths), operations=["post /a", "b"], confirmation_required=["POST /a"])
    assert [(t.name, t.operation_id, t.requires_confirmation) for t in result.tools] == [
        ("acme_post_a", "POST /a", True),
        ("acme_b", "b", False),
    ]


# -- refused documents ----------------------------------------------------------------------------------


def test_swagger_2_is_refused_with_what_to_do() -> None:
    error = refused({"swagger": "2.0", "info": {}, "paths": {}})
    assert isinstance(error, InvalidContract) and error.status == 422
    assert pointers(error) == ["/openapi/swagger"] and "Convert it to OpenAPI 3" in error.detail


@pytest.mark.parametrize(
    ("document", "pointer", "words"),
    [
        ("openapi: 3.0.0\npaths: {/x: {get: [}\n", "/openapi", "not valid YAML"),
        ('{"openapi": "3.0.0", "paths": {', "/openapi", "not valid JSON"),
        ("just text", "/openapi", "must be an OpenAPI document"),
        ({"openapi": "4.0.0", "paths": {"/x": {}}}, "/openapi/openapi", "3.0.x or 3.1.x"),
        ({"openapi": "3.2.0", "paths": {"/x": {}}}, "/openapi/openapi", "declare openapi: 3.1.1"),
        ({"asyncapi": "3.0.0", "channels": {}}, "/openapi", "AsyncAPI"),
        ({"info": {"_postman_id": "x"}, "item": []}, "/openapi", "Postman collection"),
        ({"openapi": "3.0.0", "paths": {}}, "/openapi/paths", "no paths"),
        ("openapi: 3.0.0\npaths:\n  /a: &p {get: {responses: {}}}\n  /b: *p\n", "/openapi", "aliases"),
    ],
)
def test_unreadable_documents_are_refused(document: Any, pointer: str, words: str) -> None:
    error = refused(document)
    assert isinstance(error, InvalidContract) and pointers(error) == [pointer] and words in error.detail


def test_an_oversized_document_is_413() -> None:
    error = refused("openapi: 3.0.0\n" + "#" * 2000, max_document_bytes=1024)
    assert isinstance(error, PayloadTooLarge) and pointers(error) == ["/openapi"]


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        ("#/components/schemas/Missing", "points at nothing"),
        ("other.yaml#/components/schemas/A", "outside the document"),
        ("https://schemas.example/a.json", "outside the document"),
        ("components/schemas/A", "outside the document"),
    ],
)
def test_missing_and_external_refs_are_refused_where_they_are(ref: str, words: str) -> None:
    schemas = {"A": {"type": "object", "properties": {"deep": {"$ref": ref}}}}
    error = refused(
        doc(
            {"/x": {"get": {"operationId": "x", "responses": ok({"$ref": "#/components/schemas/A"})}}},
            schemas,
        )
    )
    assert pointers(error) == ["/openapi/components/schemas/A/properties/deep/$ref"]
    assert words in (error.errors or [])[0].message


def test_a_parameter_ref_loop_is_refused() -> None:
    document = doc(
        {
            "/x": {
                "get": {
                    "operationId": "x",
                    "parameters": [{"$ref": "#/components/parameters/P"}],
                    "responses": {},
                }
            }
        }
    )
    document["components"] = {
        "parameters": {"P": {"$ref": "#/components/parameters/Q"}, "Q": {"$ref": "#/components/parameters/P"}}
    }
    assert "loops" in (refused(document).errors or [])[0].message


def test_duplicate_operation_ids_are_refused_at_the_second() -> None:
    error = refused(
        doc(
            {
                "/a": {"get": {"operationId": "same", "responses": {}}},
                "/b": {"post": {"operationId": "same", "responses": {}}},
            }
        )
    )
    assert pointers(error) == ["/openapi/paths/~1b/post/operationId"]
    assert "also at /openapi/paths/~1a/get" in (error.errors or [])[0].message


def test_unknown_selections_and_the_operation_cap_are_refused_by_pointer() -> None:
    paths = {f"/p{i}": {"get": {"operationId": f"op{i}", "responses": {}}} for i in range(5)}
    error = refused(doc(paths), operations=["op1", "nope"], confirmation_required=["op2"])
    assert pointers(error) == ["/operations/1", "/confirmation_required/0"]
    assert pointers(refused(doc(paths), max_operations=4)) == ["/operations"]
    assert pointers(refused(doc(paths), operations=["op0", "op1", "op2"], max_operations=2)) == [
        "/operations"
    ]
    assert len(compiled(doc(paths), operations=["op0", "op1"], max_operations=2).tools) == 2


def test_an_undeclared_path_variable_is_reported() -> None:
    error = refused(doc({"/x/{id}": {"get": {"operationId": "x", "responses": {}}}}), operations=["x"])
    assert "{id}" in (error.errors or [])[0].message


def test_the_compiled_document_is_plain_json() -> None:
    result = compiled(
        "openapi: 3.0.0\ninfo: {title: t, version: 1, x-date: 2024-01-02}\n"
        "paths: {/x: {get: {operationId: x, responses: {200: {description: ok}}}}}\n"
    )
    assert json.loads(json.dumps(result.document))["info"]["x-date"] == "2024-01-02"
    assert "200" in result.document["paths"]["/x"]["get"]["responses"]


def test_an_operation_with_its_own_servers_is_called_at_base_url_with_a_warning() -> None:
    result = compiled(
        doc(
            {
                "/x": {
                    "get": {
                        "operationId": "x",
                        "servers": [{"url": "https://elsewhere.example"}],
                        "responses": {},
                    }
                }
            }
        )
    )
    assert result.warnings == [
        "/openapi/paths/~1x/get/servers: this operation names its own servers; it is called at base_url"
    ]


@pytest.mark.parametrize(
    "schemas",
    [
        {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}},
        {"A": {"type": "object", "allOf": [{"$ref": "#/components/schemas/A"}]}},
        {
            "A": {"anyOf": [{"type": "string"}, {"not": {"$ref": "#/components/schemas/B"}}]},
            "B": {"oneOf": [{"$ref": "#/components/schemas/A"}]},
        },
    ],
)
def test_a_schema_reaching_itself_without_nesting_is_refused(schemas: dict[str, Any]) -> None:
    error = refused(
        doc(
            {"/x": {"get": {"operationId": "x", "responses": ok({"$ref": "#/components/schemas/A"})}}},
            schemas,
        )
    )
    assert "/openapi/components/schemas/A" in pointers(error)
    assert "without nesting" in (error.errors or [])[0].message


def test_recursion_through_properties_and_items_is_fine() -> None:
    schemas = {
        "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
        "B": {"anyOf": [{"type": "null"}, {"type": "array", "items": {"$ref": "#/components/schemas/A"}}]},
    }
    tool = one(
        doc(
            {"/x": {"get": {"operationId": "x", "responses": ok({"$ref": "#/components/schemas/A"})}}},
            schemas,
        )
    )
    assert tool.output_schema is not None and set(tool.output_schema["$defs"]) == {"A", "B"}


def test_malformed_keyword_values_are_dropped_not_passed_to_the_validators() -> None:
    schema = {
        "type": "object",
        "properties": {
            "n": {"type": "number", "multipleOf": 0, "minimum": "5", "maximum": 9},
            "s": {"type": "string", "maxLength": -1, "minLength": True, "format": 7},
        },
    }
    result = compiled(
        doc(
            {
                "/x": {
                    "post": {
                        "operationId": "x",
                        "requestBody": {"content": {"application/json": {"schema": schema}}},
                        "responses": {},
                    }
                }
            }
        )
    )
    assert result.tools[0].input_schema["properties"] == {
        "n": {"type": "number", "maximum": 9},
        "s": {"type": "string"},
    }
    assert len(result.warnings) == 5 and all("not a valid value" in w for w in result.warnings)
