"""The tool catalog and tool calls over the Model Context Protocol (Streamable HTTP, stateless, JSON answers).

One JSON-RPC message per POST. Requests are answered with one JSON-RPC response (`application/json`);
notifications and client responses with 202 and no body. Calls go through the same Dispatcher as
`POST /v1/tools/{name}/invoke`: validation, confirmation and idempotency are not the protocol's business.

What the model controls (a tool's `arguments`) never confirms anything: the confirmation token travels in
`params._meta["cockpit/confirmation_token"]`, which an MCP client sets from its own user interface after the
driver said yes, and is returned only in the result's `_meta`, never in the content a model reads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cockpit import __version__
from cockpit.api import Request, json_bytes
from cockpit.dispatch.core import ToolCall, negotiate_locale
from cockpit.dispatch.models import InvokeResponse
from cockpit.errors import Forbidden, NotAcceptable, NotFound, ProblemError
from cockpit.tools.model import Caller

PROTOCOL_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26")
META = "cockpit/"
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
INSTRUCTIONS = (
    "Cockpit Gateway: navigation, EV charging, payments, booking and partner services for a vehicle. "
    "Tools that change something answer 'confirmation required' first; ask the driver, then call again "
    "with the token from the result's _meta in params._meta['cockpit/confirmation_token']."
)


@dataclass(frozen=True)
class Exchange:
    """One MCP POST as the router saw it."""

    body: bytes
    caller: Caller
    locale: str = "en-US"
    protocol_version: str | None = None  # the MCP-Protocol-Version header
    idempotency_key: str | None = None  # the Idempotency-Key header (or params._meta)
    request_id: str | None = None

    @classmethod
    def from_request(cls, req: Request) -> Exchange:
        """The HTTP side of the transport: Origin refused (no browser drives a car's tools; the spec asks
        servers to check it), JSON answers only, the body capped and JSON by content type."""
        if "origin" in req.headers:
            raise Forbidden("requests with an Origin header are refused")
        accept = req.headers.get("accept", "application/json").replace("*/*", "application/json")
        if "application/json" not in accept:
            raise NotAcceptable("this endpoint answers application/json; send Accept: application/json")
        return cls(
            body=req.json_body(),
            caller=req.caller,
            locale=negotiate_locale(req.headers.get("accept-language")),
            protocol_version=req.header("MCP-Protocol-Version", max_length=32),
            idempotency_key=req.header("Idempotency-Key"),
            request_id=req.request_id or None,
        )


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes | None = None


class RpcError(Exception):
    def __init__(self, code: int, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class McpServer:
    def __init__(
        self, list_tools: Callable[[Caller], dict[str, Any]], invoke: Callable[[ToolCall], InvokeResponse]
    ) -> None:
        self._list_tools = list_tools
        self._invoke = invoke
        self._methods: dict[str, Callable[[dict[str, Any], Exchange], dict[str, Any]]] = {
            "initialize": self._initialize,
            "ping": lambda _params, _ex: {},
            "tools/list": lambda _params, ex: self._list_tools(ex.caller),
            "tools/call": self._call,
        }

    def handle(self, exchange: Exchange) -> Answer:
        message_id: Any = None
        try:
            message = _message(exchange)
            if "method" not in message:  # a client's response to us: nothing to answer
                return Answer(202)
            message_id = message.get("id")
            method, params = _method_and_params(message)
            if message_id is None:  # a notification (notifications/initialized, cancelled, …)
                return Answer(202)
            run = self._methods.get(method)
            if run is None:
                raise RpcError(METHOD_NOT_FOUND, f"method {method!r} is not supported")
            return _answer(200, {"jsonrpc": "2.0", "id": message_id, "result": run(params, exchange)})
        except RpcError as exc:
            error = {"code": exc.code, "message": exc.message}
            return _answer(exc.status, {"jsonrpc": "2.0", "id": message_id, "error": error})

    @staticmethod
    def _initialize(params: dict[str, Any], _ex: Exchange) -> dict[str, Any]:
        asked = params.get("protocolVersion")
        version = asked if asked in PROTOCOL_VERSIONS else PROTOCOL_VERSIONS[0]
        return {
            "protocolVersion": version,
            "capabilities": {"tools": {"listChanged": False}},
            "serverInfo": {"name": "cockpit-gateway", "title": "Cockpit Gateway", "version": __version__},
            "instructions": INSTRUCTIONS,
        }

    def _call(self, params: dict[str, Any], ex: Exchange) -> dict[str, Any]:
        name, arguments, meta = params.get("name"), params.get("arguments", {}), params.get("_meta") or {}
        if not isinstance(name, str) or not name:
            raise RpcError(INVALID_PARAMS, "tools/call needs params.name (a tool name)")
        if not isinstance(arguments, dict) or not isinstance(meta, dict):
            raise RpcError(INVALID_PARAMS, "params.arguments and params._meta must be objects")
        call = ToolCall(
            tool=name,
            arguments=arguments,
            caller=ex.caller,
            idempotency_key=_text(meta, "idempotency_key") or ex.idempotency_key,
            confirmation_token=_text(meta, "confirmation_token"),
            session_id=_text(meta, "session_id"),
            locale=ex.locale,
            request_id=ex.request_id,
        )
        try:
            return _tool_result(self._invoke(call))
        except NotFound:
            raise RpcError(INVALID_PARAMS, f"unknown tool: {name}") from None
        except ProblemError as exc:  # a tool execution error: reported to the model, not a protocol error
            problem = exc.problem().model_dump(mode="json", exclude_none=True)
            return {"content": [_text_block(problem)], "isError": True}


def _message(exchange: Exchange) -> dict[str, Any]:
    if exchange.protocol_version is not None and exchange.protocol_version not in PROTOCOL_VERSIONS:
        supported = ", ".join(PROTOCOL_VERSIONS)
        raise RpcError(INVALID_REQUEST, f"MCP-Protocol-Version must be one of {supported}", status=400)
    try:
        message = json.loads(exchange.body)
    except (ValueError, UnicodeDecodeError):
        raise RpcError(PARSE_ERROR, "the body is not JSON", status=400) from None
    if isinstance(message, list):
        raise RpcError(INVALID_REQUEST, "send one JSON-RPC message per request (no batches)", status=400)
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        raise RpcError(INVALID_REQUEST, 'a JSON-RPC 2.0 message ({"jsonrpc": "2.0", …}) is expected', 400)
    return message


def _method_and_params(message: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    method, params, message_id = message.get("method"), message.get("params", {}), message.get("id")
    if not isinstance(method, str) or (message_id is not None and not isinstance(message_id, str | int)):
        raise RpcError(INVALID_REQUEST, "method must be a string and id a string or an integer", 400)
    if isinstance(message_id, bool) or not isinstance(params, dict):
        raise RpcError(INVALID_REQUEST, "id must be a string or an integer and params an object", 400)
    return method, params


def _tool_result(response: InvokeResponse) -> dict[str, Any]:
    if response.status == "confirmation_required" and response.confirmation is not None:
        confirmation = response.confirmation.model_dump(mode="json")
        question = f"Confirmation required (ask the driver): {response.confirmation.summary}"
        meta = {f"{META}confirmation": confirmation}
        return {"content": [{"type": "text", "text": question}], "_meta": meta}
    if response.status == "accepted" and response.operation is not None:
        operation = response.operation.model_dump(mode="json")
        text = f"Accepted: the work continues; poll {response.operation.poll}"
        return {"content": [{"type": "text", "text": text}], "_meta": {f"{META}operation": operation}}
    result = response.result or {}
    return {"content": [_text_block(result)], "structuredContent": result, "isError": False}


def _text_block(value: Mapping[str, Any]) -> dict[str, str]:
    return {"type": "text", "text": json.dumps(value, ensure_ascii=False, separators=(",", ":"))}


def _text(meta: Mapping[str, Any], key: str) -> str | None:
    value = meta.get(f"{META}{key}")
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= 255:
        raise RpcError(INVALID_PARAMS, f"params._meta['{META}{key}'] must be a string of 1-255 characters")
    return value


def _answer(status: int, body: dict[str, Any]) -> Answer:
    return Answer(status, json_bytes(body))
