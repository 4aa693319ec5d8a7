"""A small parking-operator API on 127.0.0.1 for partner-target tests: it records every request it
receives and can be told to misbehave (500, slow, 5 MiB, HTML, garbage, a redirect, the wrong shape).

    GET  /v2/spots?near=<lat>,<lon>&radius_m=..&features=a,b   → {"spots": [...]}
    GET  /v2/spots/{spotId}                                     → a spot, or 404
    POST /v2/reservations  {"spot_id", "hours", "plate"?}        → 201 {"reservation_id", ...}
    POST /oauth/token  (client_credentials, HTTP Basic)          → {"access_token", "expires_in"}
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

SPOTS = {
    "spot-renmin-1": {"id": "spot-renmin-1", "name": "People's Square P1", "free": 12,
                      "price_per_hour": {"amount": 1000, "currency": "CNY"}, "features": ["ev", "covered"]},
    "spot-xintiandi": {"id": "spot-xintiandi", "name": "Xintiandi North", "free": 0,
                       "price_per_hour": {"amount": 1500, "currency": "CNY"}, "features": ["covered"]},
}  # fmt: skip
CLIENT_ID, CLIENT_SECRET = "cockpit-gateway", "client-secret-for-tests"


@dataclass(frozen=True)
class Received:
    method: str
    target: str  # path and query exactly as received
    headers: dict[str, str]  # lower-cased names
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)


@dataclass
class PartnerBehaviour:
    mode: str = "ok"  # ok | 500 | 503-once | slow | big | html | garbage | redirect | wrong-shape | 401
    slow_s: float = 2.0
    token_lifetime_s: int = 3600
    require_token: bool = False
    valid_tokens: set[str] = field(default_factory=set)
    tokens_issued: int = 0


class _Handler(BaseHTTPRequestHandler):
    server: PartnerServer

    def log_message(self, *_args: Any) -> None:  # keep test output clean
        return

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        if urlsplit(self.path).path == "/oauth/token":
            self._token(headers, body)
            return
        self.server.received.append(Received(self.command, self.path, headers, body))
        behaviour = self.server.behaviour
        if behaviour.require_token:
            given = headers.get("authorization", "").removeprefix("Bearer ")
            if given not in behaviour.valid_tokens:
                self._send(401, {"error": "invalid_token"})
                return
        if self._misbehave(behaviour):
            return
        self._route(body)

    def _misbehave(self, b: PartnerBehaviour) -> bool:
        if b.mode == "500":
            self._send(500, {"error": "internal"})
        elif b.mode == "503-once":
            b.mode = "ok"
            self._send(503, {"error": "busy"})
        elif b.mode == "401":
            self._send(401, {"error": "invalid_token"})
        elif b.mode == "slow":
            time.sleep(b.slow_s)
            self._send(200, {"spots": []})
        elif b.mode == "big":
            self._big()
        elif b.mode == "html":
            self._raw(200, b"<!doctype html><html><body>Welcome to nginx!</body></html>", "text/html")
        elif b.mode == "garbage":
            self._raw(200, b"\x00\xff{not json at all", "application/json")
        elif b.mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif b.mode == "wrong-shape":
            self._send(200, {"spots": "none today"})
        else:
            return False
        return True

    def _route(self, body: bytes) -> None:
        path = urlsplit(self.path).path
        if self.command == "GET" and path == "/v2/spots":
            self._send(200, {"spots": list(SPOTS.values())})
        elif self.command == "GET" and path.startswith("/v2/spots/"):
            spot = SPOTS.get(unquote(path.removeprefix("/v2/spots/")))
            self._send(200, spot) if spot else self._send(404, {"error": "no such spot"})
        elif self.command == "POST" and path == "/v2/reservations":
            doc = json.loads(body or b"{}")
            if doc.get("spot_id") not in SPOTS:
                self._send(422, {"error": "unknown spot"})
                return
            number = len(self.server.received)
            self._send(201, {"reservation_id": f"res-{number:04d}", "spot_id": doc["spot_id"],
                             "hours": doc.get("hours", 1), "status": "confirmed"})  # fmt: skip
        else:
            self._send(404, {"error": "not found"})

    def _token(self, headers: dict[str, str], body: bytes) -> None:
        b = self.server.behaviour
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        form = parse_qs(body.decode())
        if headers.get("authorization") != expected or form.get("grant_type") != ["client_credentials"]:
            self._send(401, {"error": "invalid_client"})
            return
        b.tokens_issued += 1
        token = f"access-{b.tokens_issued}"
        b.valid_tokens.add(token)
        self._send(200, {"access_token": token, "token_type": "Bearer", "expires_in": b.token_lifetime_s})

    def _big(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()  # no Content-Length: the gateway must stop reading by itself
        chunk = b" " * 65536
        try:
            self.wfile.write(b'{"spots": [], "padding": "')
            for _ in range(80):  # 5 MiB
                self.wfile.write(chunk)
                self.server.big_chunks_sent += 1
            self.wfile.write(b'"}')
        except OSError:
            return  # the gateway hung up, as it should
        self.close_connection = True

    def _send(self, status: int, doc: Any) -> None:
        self._raw(status, json.dumps(doc).encode(), "application/json")

    def _raw(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class PartnerServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[Received] = []
        self.behaviour = PartnerBehaviour()
        self.big_chunks_sent = 0
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v2"

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/oauth/token"

    def __enter__(self) -> PartnerServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()
        self.server_close()


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of this server, as the parking operator would register it."""
    money = {
        "type": "object",
        "required": ["amount", "currency"],
        "properties": {
            "amount": {"type": "integer"},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        },
    }
    spot = {
        "type": "object",
        "required": ["id", "name", "free"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "free": {"type": "integer", "minimum": 0},
            "price_per_hour": {"$ref": "#/components/schemas/Money"},
            "features": {"type": "array", "items": {"type": "string"}},
        },
    }

    def json_of(schema: dict[str, Any]) -> dict[str, Any]:
        return {"content": {"application/json": {"schema": schema}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": "Acme Parking", "version": "2.0.0"},
        "servers": [{"url": "https://api.acme-parking.example/v2"}],
        "components": {"schemas": {"Money": money, "Spot": spot}},
        "paths": {
            "/spots": {
                "get": {
                    "operationId": "searchSpots",
                    "summary": "Search parking spots near a place",
                    "parameters": [
                        {
                            "name": "near",
                            "in": "query",
                            "required": True,
                            "style": "form",
                            "explode": False,
                            "schema": {
                                "type": "array",
                                "items": {"type": "number"},
                                "minItems": 2,
                                "maxItems": 2,
                            },
                        },
                        {"name": "radius_m", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                        {
                            "name": "features",
                            "in": "query",
                            "style": "form",
                            "explode": False,
                            "schema": {"type": "array", "items": {"enum": ["ev", "covered", "disabled"]}},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "spots",
                            **json_of(
                                {
                                    "type": "object",
                                    "required": ["spots"],
                                    "properties": {
                                        "spots": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Spot"},
                                        }
                                    },
                                }
                            ),
                        }
                    },
                }
            },
            "/spots/{spotId}": {
                "parameters": [
                    {"name": "spotId", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "get": {
                    "operationId": "getSpot",
                    "summary": "One parking spot",
                    "responses": {
                        "200": {"description": "the spot", **json_of({"$ref": "#/components/schemas/Spot"})},
                        "404": {"description": "no such spot"},
                    },
                },
            },
            "/reservations": {
                "post": {
                    "operationId": "createReservation",
                    "summary": "Reserve a parking spot",
                    "requestBody": {
                        "required": True,
                        **json_of(
                            {
                                "type": "object",
                                "required": ["spot_id", "hours"],
                                "properties": {
                                    "spot_id": {"type": "string"},
                                    "hours": {"type": "integer", "minimum": 1},
                                    "plate": {"type": "string"},
                                },
                            }
                        ),
                    },
                    "responses": {
                        "201": {
                            "description": "reserved",
                            **json_of(
                                {
                                    "type": "object",
                                    "required": ["reservation_id", "status"],
                                    "properties": {
                                        "reservation_id": {"type": "string"},
                                        "status": {"type": "string"},
                                    },
                                }
                            ),
                        }
                    },
                }
            },
        },
    }
