"""The Model Context Protocol over Streamable HTTP, stateless, JSON answers — both eras on one endpoint.

- 2026-07-28 ("modern"): no handshake; every request carries `MCP-Protocol-Version`, `Mcp-Method` (and
  `Mcp-Name` for `tools/call`) and the same facts in `params._meta`; they must agree (400, -32020) and the
  version must be ours (400, -32022, naming what we support). `server/discover` describes the server;
  results say their `resultType`; `tools/list` and `server/discover` carry caching hints.
- 2025-11-25, 2025-06-18, 2025-03-26 ("handshake"): `initialize` negotiates, then plain requests; a request
  without the header is 2025-03-26 (the spec's allowance for older clients).

One JSON-RPC message per POST. Requests get one JSON-RPC response (`application/json`); notifications 202
and no body. Tool calls are `router.mcp_tools`' business; this module is framing and eras only.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cockpit import __version__
from cockpit.api import Request, json_bytes
from cockpit.dispatch.core import negotiate_locale
from cockpit.errors import Forbidden, NotAcceptable
from cockpit.tools.model import Caller
from router.mcp_tools import CallContext, McpTools, RpcError

MODERN_VERSIONS = ("2026-07-28",)
HANDSHAKE_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26")
SUPPORTED_VERSIONS = (*MODERN_VERSIONS, *HANDSHAKE_VERSIONS)
OLDEST_WITHOUT_HEADER = "2025-03-26"
VERSION_META = "io.modelcontextprotocol/protocolVersion"
CAPABILITIES_META = "io.modelcontextprotocol/clientCapabilities"
SERVER_INFO_META = "io.modelcontextprotocol/serverInfo"
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
HEADER_MISMATCH, UNSUPPORTED_VERSION = -32020, -32022
MAX_DEPTH = 64  # JSON nesting a request may have (tool arguments included)
DISCOVER_TTL_MS = 3_600_000  # the same for every caller: public
TOOLS_TTL_MS = 60_000  # partner tools come and go; the listing is the caller's: private
HEADERS = {  # for the OpenAPI document
    "MCP-Protocol-Version": "2026-07-28 (must match params._meta), or the handshake revision negotiated",
    "Mcp-Method": "2026-07-28: the JSON-RPC method (Mcp-Name: the tool of a tools/call)",
    "Idempotency-Key": "handshake revisions: a write's key (or params._meta['cockpit/idempotency_key'])",
}
SERVER_INFO = {"name": "cockpit-gateway", "title": "Cockpit Gateway", "version": __version__}
INSTRUCTIONS = (
    "Cockpit Gateway: navigation, EV charging, payments, booking and partner services for a vehicle. "
    "Tools that change something ask the driver first. On 2026-07-28 the question is a standard "
    "elicitation (accept or decline) and a retried final round never acts twice. On older revisions the "
    "first answer is 'confirmation_required'; the host asks the driver and calls again with the token from "
    "the result's _meta in params._meta['cockpit/confirmation_token'] and its own key in "
    "params._meta['cockpit/idempotency_key']. An 'accepted' answer is followed with cockpit_get_operation."
)


@dataclass(frozen=True)
class Exchange:
    """One MCP POST as the router saw it."""

    body: bytes
    caller: Caller
    locale: str = "en-US"
    protocol_version: str | None = None  # MCP-Protocol-Version
    method: str | None = None  # Mcp-Method (2026-07-28)
    name: str | None = None  # Mcp-Name (2026-07-28), still encoded
    idempotency_key: str | None = None  # Idempotency-Key (or params._meta)
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
            method=req.header("Mcp-Method", max_length=128),
            name=req.header("Mcp-Name", max_length=1024),
            idempotency_key=req.header("Idempotency-Key"),
            request_id=req.request_id or None,
        )


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes | None = None


@dataclass(frozen=True)
class Rpc:
    """One request, its era settled."""

    id: str | int
    method: str
    params: dict[str, Any]
    modern: bool
    capabilities: Mapping[str, Any]


Method = Callable[[Rpc, Exchange], dict[str, Any]]


class McpServer:
    def __init__(self, list_tools: Callable[[Caller], dict[str, Any]], tools: McpTools) -> None:
        self._list_tools = list_tools
        self._tools = tools
        self._handshake: dict[str, Method] = {
            "initialize": lambda rpc, _ex: _initialize(rpc.params),
            "ping": lambda _rpc, _ex: {},
            "tools/list": lambda _rpc, ex: self._list_tools(ex.caller),
            "tools/call": self._call,
        }
        self._modern: dict[str, Method] = {
            "server/discover": lambda _rpc, _ex: _discover(),
            "tools/list": lambda _rpc, ex: {
                **self._list_tools(ex.caller),
                "ttlMs": TOOLS_TTL_MS,
                "cacheScope": "private",
            },
            "tools/call": self._call,
        }

    def handle(self, exchange: Exchange) -> Answer:
        message_id: Any = None
        try:
            message = _message(exchange.body)
            if "method" not in message:  # a client's response to us (handshake era): nothing to answer
                if "id" in message and ("result" in message or "error" in message):
                    return Answer(202)
                raise RpcError(INVALID_REQUEST, "a JSON-RPC request needs a method", 400)
            method, params, message_id = _method_params_id(message)
            if message_id is None:  # a notification (notifications/initialized, cancelled, …)
                return Answer(202)
            rpc = _settle_era(exchange, method, params, message_id)
            run = (self._modern if rpc.modern else self._handshake).get(method)
            if run is None:
                era = "2026-07-28" if rpc.modern else "the handshake revisions"
                status = 404 if rpc.modern else 200  # 2026-07-28: 404 with -32601
                raise RpcError(METHOD_NOT_FOUND, f"method {method!r} is not supported on {era}", status)
            result = run(rpc, exchange)
            if rpc.modern:
                meta = {SERVER_INFO_META: SERVER_INFO, **result.get("_meta", {})}
                result = {"resultType": "complete", **result, "_meta": meta}
            return _answer(200, {"jsonrpc": "2.0", "id": message_id, "result": result})
        except RpcError as exc:
            error: dict[str, Any] = {"code": exc.code, "message": exc.message}
            if exc.data is not None:
                error["data"] = exc.data
            return _answer(exc.status, {"jsonrpc": "2.0", "id": message_id, "error": error})

    def _call(self, rpc: Rpc, ex: Exchange) -> dict[str, Any]:
        ctx = CallContext(
            caller=ex.caller,
            locale=ex.locale,
            idempotency_key=ex.idempotency_key,
            request_id=ex.request_id,
            capabilities=rpc.capabilities,
        )
        return self._tools.call(rpc.params, ctx, modern=rpc.modern)


def _initialize(params: Mapping[str, Any]) -> dict[str, Any]:
    asked = params.get("protocolVersion")
    version = asked if asked in HANDSHAKE_VERSIONS else HANDSHAKE_VERSIONS[0]
    return {
        "protocolVersion": version,
        "capabilities": {"tools": {"listChanged": False}},
        "serverInfo": SERVER_INFO,
        "instructions": INSTRUCTIONS,
    }


def _discover() -> dict[str, Any]:
    return {
        "supportedVersions": list(SUPPORTED_VERSIONS),
        "capabilities": {"tools": {}},
        "instructions": INSTRUCTIONS,
        "ttlMs": DISCOVER_TTL_MS,
        "cacheScope": "public",
    }


def _settle_era(ex: Exchange, method: str, params: dict[str, Any], message_id: str | int) -> Rpc:
    """Modern when the request says 2026-07-28 (or any version we do not speak) in its header or `_meta`;
    else a handshake revision (no header: 2025-03-26)."""
    meta = params.get("_meta")
    meta = meta if isinstance(meta, dict) else {}
    header, in_meta = ex.protocol_version, meta.get(VERSION_META)
    if in_meta is None and (header is None or header in HANDSHAKE_VERSIONS):
        return Rpc(message_id, method, params, modern=False, capabilities={})
    if header is not None and in_meta is not None and header != in_meta:
        raise RpcError(HEADER_MISMATCH, f"MCP-Protocol-Version ({header!r}) does not match params._meta", 400)
    requested = header if header is not None else in_meta
    if not isinstance(requested, str) or requested not in MODERN_VERSIONS:
        supported = {"supported": list(SUPPORTED_VERSIONS), "requested": str(requested)}
        message = (
            f"protocol version {requested!r} is not supported; use one of {', '.join(SUPPORTED_VERSIONS)}"
        )
        raise RpcError(UNSUPPORTED_VERSION, message, status=400, data=supported)
    _must_match("MCP-Protocol-Version", header, f"params._meta['{VERSION_META}']", in_meta)
    _must_match("Mcp-Method", ex.method, "method", method)
    if method == "tools/call":
        _must_match("Mcp-Name", _decoded(ex.name), "params.name", params.get("name"))
    capabilities = meta.get(CAPABILITIES_META, {})
    if not isinstance(capabilities, dict):
        raise RpcError(INVALID_PARAMS, f"params._meta['{CAPABILITIES_META}'] must be an object")
    return Rpc(message_id, method, params, modern=True, capabilities=capabilities)


def _must_match(header: str, value: str | None, field: str, body: Any) -> None:
    if value is None:
        raise RpcError(HEADER_MISMATCH, f"the {header} header is required on 2026-07-28 requests", 400)
    if body is None:
        raise RpcError(
            HEADER_MISMATCH, f"{field} is required on 2026-07-28 requests (the {header} header's value)", 400
        )
    if value != body:
        raise RpcError(HEADER_MISMATCH, f"the {header} header ({value!r}) does not match {field}", 400)


def _decoded(value: str | None) -> str | None:
    """An `Mcp-Name` value, its `=?base64?…?=` form decoded (the transport's encoding for non-ASCII)."""
    if value is None or not (value.startswith("=?base64?") and value.endswith("?=")):
        return value
    try:
        return base64.b64decode(value[9:-2], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise RpcError(HEADER_MISMATCH, "the Mcp-Name header is not valid base64 of UTF-8", 400) from None


def _message(body: bytes) -> dict[str, Any]:
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise RpcError(PARSE_ERROR, "the body is not JSON", status=400) from None
    except RecursionError:
        raise RpcError(PARSE_ERROR, f"the body nests deeper than {MAX_DEPTH} levels", status=400) from None
    if isinstance(message, list):
        raise RpcError(INVALID_REQUEST, "send one JSON-RPC message per request (no batches)", status=400)
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        raise RpcError(INVALID_REQUEST, 'a JSON-RPC 2.0 message ({"jsonrpc": "2.0", …}) is expected', 400)
    if _depth(message) > MAX_DEPTH:
        raise RpcError(INVALID_REQUEST, f"the message nests deeper than {MAX_DEPTH} levels", status=400)
    return message


def _depth(value: Any) -> int:
    """How deep a parsed JSON value nests (iteratively: a deep value must not exhaust Python's stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                stack.extend(
                    (child, level + 1) for child in (node.values() if isinstance(node, dict) else node)
                )
    return deepest


def _method_params_id(message: Mapping[str, Any]) -> tuple[str, dict[str, Any], str | int | None]:
    method, params = message.get("method"), message.get("params", {})
    message_id = message.get("id")
    if not isinstance(method, str) or not method:
        raise RpcError(INVALID_REQUEST, "method must be a non-empty string", 400)
    if "id" in message and (isinstance(message_id, bool) or not isinstance(message_id, str | int)):
        raise RpcError(INVALID_REQUEST, "id must be a string or an integer (null is not an id)", 400)
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise RpcError(INVALID_REQUEST, "params must be an object", 400)
    return method, params, message_id


def _answer(status: int, body: dict[str, Any]) -> Answer:
    return Answer(status, json_bytes(body))
