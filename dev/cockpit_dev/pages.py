"""The pages a person looks at, served by the local runtime beside the API (never deployed).

`/` is the head-unit page (the assistant on a car's centre screen), `/console/` the partner console,
`/v1/docs` the interactive API reference (Swagger UI, vendored from the pinned npm package
swagger-ui-dist, see ui/vendor/). They are plain HTML, CSS and JavaScript files under ui/, with no
build step, and talk to the gateway only through its public API on the same origin. The one thing
they get from the runtime itself is a development token: `GET /_dev/token?role=vehicle|partner`,
signed with the local dev key (as `cockpit token` does), answered only to a request addressed to the
loopback host, never to another site's page.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cockpit_dev import devkeys

UI = Path(__file__).resolve().parent / "ui"
PAGES = {"/": "head-unit/index.html", "/console/": "console/index.html", "/v1/docs": "docs/index.html"}
REDIRECTS = {"/index.html": "/", "/console": "/console/", "/v1/docs/": "/v1/docs"}
STATIC = "/ui/"
DEV_TOKEN_ROUTE = "/_dev/token"  # noqa: S105 (a path, not a secret)
VENDOR = "vendor/"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
# Everything from this origin, nothing inline, nothing from anywhere else (no CDN, no tiles, no fonts).
# Swagger UI sets style attributes on the elements it draws, so the docs page alone allows inline styles.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]
ROLES = {"vehicle": "vin-demo", "partner": "partner-demo"}  # no admin token for a page
SUBJECT = re.compile(r"[a-z0-9][a-z0-9-]{2,62}")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
TOKEN_TTL = 3600


@dataclass
class PageResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _response(status: int, content_type: str, body: bytes, *extra: tuple[str, str]) -> PageResponse:
    return PageResponse(status, [("Content-Type", content_type), *SECURITY_HEADERS, *extra], body)


def _problem(status: int, title: str, detail: str) -> PageResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    no_store = ("Cache-Control", "no-store")
    return _response(status, "application/problem+json", json.dumps(body).encode(), no_store)


def _digest(data: bytes) -> tuple[bytes, str]:
    return data, '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


@cache
def _vendored(relative: str) -> tuple[bytes, str]:
    """A vendored file (never edited: read and hashed once)."""
    return _digest((UI / relative).read_bytes())


class Pages:
    """Answers the page paths of the local runtime's API port; None for everything else (the API's)."""

    def __init__(self, port: int, token: Callable[[str, str, int], str] | None = None) -> None:
        self.port = port
        self._token = token or (lambda role, sub, ttl: devkeys.token(role, sub, ttl=ttl))

    def handles(self, method: str, target: str) -> bool:
        path = urlsplit(target).path
        return method in ("GET", "HEAD") and (
            path in PAGES or path in REDIRECTS or path == DEV_TOKEN_ROUTE or path.startswith(STATIC)
        )

    def serve(self, target: str, header: Callable[[str], str | None]) -> PageResponse:
        parts = urlsplit(target)
        path = parts.path
        if path in REDIRECTS:
            location = REDIRECTS[path] + (f"?{parts.query}" if parts.query else "")
            return _response(308, "text/plain; charset=utf-8", b"", ("Location", location))
        if path == DEV_TOKEN_ROUTE:
            return self._dev_token(parts.query, header)
        relative = PAGES.get(path) or path[len(STATIC) :]
        return self._file(relative, header("If-None-Match"), docs=path == "/v1/docs")

    def _file(self, relative: str, if_none_match: str | None, *, docs: bool = False) -> PageResponse:
        target = (UI / relative).resolve()
        suffix = target.suffix.lower()
        if not target.is_relative_to(UI) or not target.is_file() or suffix not in TYPES:
            return _problem(404, "Not found", f"there is no page /ui/{relative}")
        # Vendored files sit under a versioned folder: a new version is a new URL, so cache them for good.
        # Our own files may change in development: read each time, revalidated (a 304 when unchanged).
        immutable = relative.startswith(VENDOR)
        name = str(target.relative_to(UI))
        data, etag = _vendored(name) if immutable else _digest(target.read_bytes())
        cache_control = "public, max-age=31536000, immutable" if immutable else "no-cache"
        headers = [("ETag", etag), ("Cache-Control", cache_control)]
        if suffix == ".html":
            headers.append(("Content-Security-Policy", DOCS_CSP if docs else CSP))
        if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
            return PageResponse(304, [*SECURITY_HEADERS, *headers], b"")
        return _response(200, TYPES[suffix], data, *headers)

    def _dev_token(self, query: str, header: Callable[[str], str | None]) -> PageResponse:
        host = (header("Host") or "").lower()
        if host not in {f"{name}:{self.port}" for name in LOOPBACK_HOSTS}:  # DNS rebinding: a foreign name
            return _problem(403, "Forbidden", "development tokens are given to the loopback host only")
        if (header("Sec-Fetch-Site") or "same-origin") not in ("same-origin", "none"):
            return _problem(403, "Forbidden", "development tokens are given to this runtime's own pages")
        params = parse_qs(query)
        role = (params.get("role") or ["vehicle"])[0]
        if role not in ROLES:
            return _problem(422, "Validation failed", f"role must be one of {', '.join(ROLES)}, not {role!r}")
        sub = (params.get("sub") or [ROLES[role]])[0]
        if not SUBJECT.fullmatch(sub):
            return _problem(422, "Validation failed", "sub must be 3-63 of a-z, 0-9 and -, e.g. vin-demo")
        body = {
            "token": self._token(role, sub, TOKEN_TTL),
            "role": role,
            "sub": sub,
            "expires_at": int(time.time()) + TOKEN_TTL,
        }
        return _response(200, "application/json", json.dumps(body).encode(), ("Cache-Control", "no-store"))
