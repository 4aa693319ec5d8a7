"""A generic MCP host for functional tests: JSON-RPC over the router's POST /mcp in one era, every answer held
to the official SDK's models of that revision's schema (`mcp_types`, generated from the spec) and every tool
result's `structuredContent` to the `outputSchema` the tool lists, as the SDK's client checks it."""

from __future__ import annotations

import itertools
import json
from typing import Any

import mcp_types._v2025_11_25 as handshake_wire  # the SDK's models of each revision's schema
import mcp_types._v2026_07_28 as modern_wire
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from router.handler import lambda_handler as router
from tests.support import events as ev

MODERN, HANDSHAKE = "2026-07-28", "2025-11-25"


class Host:
    """A generic MCP host on one era: it answers every question with the driver's yes, as the SDKs do
    through their elicitation callback (2026-07-28) or as docs/mcp.md tells a host (handshake revisions)."""

    def __init__(self, era: str, sub: str) -> None:
        self.era, self.sub, self.ids = era, sub, itertools.count(1)
        self.statuses: dict[str, set[str]] = {}
        if era == HANDSHAKE:
            init = {
                "protocolVersion": HANDSHAKE,
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            }
            result = self.rpc("initialize", init)
            handshake_wire.InitializeResult.model_validate(result)
        listed = self.rpc("tools/list")
        self.wire("ListToolsResult").model_validate(listed)
        self.schemas = {t["name"]: t.get("outputSchema") for t in listed["tools"]}

    def wire(self, name: str) -> type[BaseModel]:
        model: type[BaseModel] = getattr(modern_wire if self.era == MODERN else handshake_wire, name)
        return model

    def rpc(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        params = dict(params or {})
        headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        if self.era == MODERN:
            params["_meta"] = {
                "io.modelcontextprotocol/protocolVersion": MODERN,
                "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
                "io.modelcontextprotocol/clientCapabilities": {"elicitation": {"form": {}}},
                **params.get("_meta", {}),
            }
            headers |= {"MCP-Protocol-Version": MODERN, "Mcp-Method": method}
            if method == "tools/call":
                headers["Mcp-Name"] = params["name"]
        elif method != "initialize":
            headers["MCP-Protocol-Version"] = HANDSHAKE
        message = {"jsonrpc": "2.0", "id": next(self.ids), "method": method, "params": params}
        out = router(
            ev.api("POST", "/mcp", raw_body=json.dumps(message), headers=headers, sub=self.sub), None
        )
        doc = ev.body(out)
        assert out["statusCode"] == 200 and "result" in doc, doc
        result: dict[str, Any] = doc["result"]
        if self.era == MODERN:
            assert result["resultType"] in ("complete", "input_required"), result
        return result

    def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """The tool's final answer, every round on the way checked; the result's structuredContent."""
        key = {"cockpit/idempotency_key": f"{name}-{next(self.ids)}"}
        params: dict[str, Any] = {"name": name, "arguments": arguments}
        if self.era == HANDSHAKE:
            params["_meta"] = key
        for _round in range(3):
            result = self.rpc("tools/call", params)
            if result.get("resultType") == "input_required":
                asked = modern_wire.InputRequiredResult.model_validate(result)
                assert asked.input_requests or asked.request_state, result
                answers = {}
                for request_key, request in (asked.input_requests or {}).items():
                    modern_wire.ElicitRequest.model_validate(request)
                    self.statuses.setdefault(name, set()).add("asked")
                    answers[request_key] = {"action": "accept", "content": {}}
                params = {"name": name, "arguments": arguments, "requestState": asked.request_state}
                params |= {"inputResponses": answers} if answers else {}
                continue
            checked = self.check(name, result)
            if "confirmation_required" in checked:  # handshake revisions: the host asks, then confirms
                assert self.era == HANDSHAKE
                token = result["_meta"]["cockpit/confirmation"]["token"]
                assert token not in json.dumps([result["content"], checked])  # the model never sees it
                self.statuses.setdefault(name, set()).add("asked")
                params = {**params, "_meta": {**key, "cockpit/confirmation_token": token}}
                continue
            self.statuses.setdefault(name, set()).add("accepted" if "operation" in checked else "succeeded")
            return checked
        raise AssertionError(f"{name} was still asking after three rounds")

    def check(self, name: str, result: dict[str, Any]) -> dict[str, Any]:
        """As the official SDK's client does: a tool that lists an outputSchema answers structuredContent
        that validates against it (error results are exempt, and this walk expects none)."""
        self.wire("CallToolResult").model_validate(result)
        assert not result.get("isError"), result
        schema = self.schemas[name]
        assert schema is not None, f"every first-party tool lists an outputSchema; {name} does not"
        assert result.get("structuredContent") is not None, f"{name} answered no structuredContent: {result}"
        errors = [e.message for e in Draft202012Validator(schema).iter_errors(result["structuredContent"])]
        assert not errors, f"{name}: structuredContent breaks its outputSchema: {errors}"
        return dict(result["structuredContent"])
