"""Warnings for the partner about what the document says and the registration does not (the contract
is still accepted): servers on another path than base_url, security schemes with no matching auth."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from registry import models as m


def advice(document: dict[str, Any], base_url: str, auth: m.AuthIn) -> list[str]:
    return [*_servers(document, base_url), *_security(document, auth)]


def _servers(document: dict[str, Any], base_url: str) -> list[str]:
    servers = document.get("servers")
    if not isinstance(servers, list) or not servers:
        return []
    paths = set()
    for server in servers:
        url = server.get("url") if isinstance(server, dict) else None
        if not isinstance(url, str) or "{" in url:
            return []  # templated servers: no telling
        paths.add(urlsplit(url).path.rstrip("/"))
    mine = urlsplit(base_url).path.rstrip("/")
    if mine in paths or paths == {""}:
        return []
    listed = ", ".join(sorted(p or "/" for p in paths))
    return [f"/openapi/servers: the document's servers are under {listed}; base_url's path is {mine or '/'}"]


def _security(document: dict[str, Any], auth: m.AuthIn) -> list[str]:
    schemes = (document.get("components") or {}).get("securitySchemes")
    if not isinstance(schemes, dict) or not schemes or not document.get("security"):
        return []
    kinds = {str(s.get("type")) for s in schemes.values() if isinstance(s, dict)}
    if isinstance(auth, m.NoAuthIn):
        return [f"/openapi/security: the document requires {', '.join(sorted(kinds))} security; auth is none"]
    if isinstance(auth, m.ApiKeyIn):
        declared = {
            (str(s.get("in")), str(s.get("name")).lower())
            for s in schemes.values()
            if isinstance(s, dict) and s.get("type") == "apiKey"
        }
        if declared and (auth.in_, auth.name.lower()) not in declared:
            names = ", ".join(f"{n} in {w}" for w, n in sorted(declared))
            return [
                f"/openapi/components/securitySchemes: the document's API key is {names}, not {auth.name} "
                f"in {auth.in_}"
            ]
    return []
