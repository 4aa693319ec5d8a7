"""Routes only: parse, call the service, answer. Errors are mapped once, in cockpit.api."""

from __future__ import annotations

from typing import Any

from cockpit.api import Api, Request, Response
from cockpit.dispatch.core import ToolCall, negotiate_locale
from cockpit.dispatch.models import InvokeRequest, InvokeResponse
from cockpit.tools.formats import Format
from cockpit.tools.model import Role
from router import service
from router.mcp import HEADERS as MCP_HEADERS
from router.mcp import Exchange
from router.models import Health, OperationView, ToolListing

app = Api("Cockpit Gateway")
ANY_ROLE, VEHICLE = frozenset(Role), frozenset({Role.VEHICLE})
CALL_PROBLEMS = (400, 401, 402, 403, 404, 409, 413, 415, 422, 429, 502, 503, 504)
KEY_HEADER = {"Idempotency-Key": "required for write and payment tools (1-255 chars)"}
FORMATS = {"format": "native (default), openai, bedrock or mcp"}
FORMAT_SCHEMA = {"format": {"type": "string", "enum": ["", *(f.value for f in Format)]}}  # "": native


@app.route("GET", "/v1/health", summary="Liveness and version", response=Health, tags=("meta",))
def get_health(_req: Request) -> Health:
    return service.health()


@app.route("GET", "/v1/openapi.json", summary="This API as OpenAPI 3.1", tags=("meta",))
def get_openapi(req: Request) -> bytes:
    return service.openapi(req.base_url)


@app.route("GET", "/v1/tools", summary="The tools the caller may use", response=ToolListing, roles=ANY_ROLE,
           problems=(401, 403, 422), query=FORMATS, schemas=FORMAT_SCHEMA, tags=("tools",))  # fmt: skip
def list_tools(req: Request) -> bytes:
    return service.list_tools(service.parse_format(req.query("format")), req.caller)


@app.route("POST", "/v1/tools/{name}/invoke", summary="Call a tool", request=InvokeRequest,
           response=InvokeResponse, roles=VEHICLE, problems=CALL_PROBLEMS, exclude_none=True,
           headers=KEY_HEADER, tags=("tools",))  # fmt: skip
def invoke_tool(req: Request) -> InvokeResponse:
    body = req.parse(InvokeRequest)
    call = ToolCall(tool=req.path_param("name"), arguments=body.arguments, caller=req.caller,
                    session_id=body.session_id, idempotency_key=req.header("Idempotency-Key"),
                    confirmation_token=body.confirmation_token, request_id=req.request_id or None,
                    locale=negotiate_locale(req.headers.get("accept-language")))  # fmt: skip
    return service.invoke(call)


@app.route("GET", "/v1/operations/{operation_id}", summary="Poll an asynchronous operation",
           response=OperationView, roles=VEHICLE, problems=(401, 403, 404), exclude_none=True,
           tags=("tools",))  # fmt: skip
def get_operation(req: Request) -> OperationView:
    return service.get_operation(req.path_param("operation_id"), req.caller)


@app.route("POST", "/mcp", summary="The catalog and tool calls over MCP (Streamable HTTP, JSON answers)",
           roles=VEHICLE, problems=(401, 403, 406, 413, 415), headers=MCP_HEADERS, tags=("mcp",))  # fmt: skip
def mcp(req: Request) -> Response:
    return service.mcp(Exchange.from_request(req))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app(event, context)
