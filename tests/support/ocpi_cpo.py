"""A charge point operator that speaks OCPI 2.2.1, for tests: real HTTP on 127.0.0.1.

    with OcpiTestCpo() as cpo:
        operator = OcpiOperator(cpo.version_url, cpo.cpo_token, dev_mode=True)  # loopback
        ...
        cpo.wait_for_callbacks(1)

It serves version details, paginated locations, tariffs and sessions, and takes START_SESSION /
STOP_SESSION commands: it answers ACCEPTED at once and, a moment later on a background thread, posts
`{"result": callback_result}` to the command's `response_url` with `Authorization: Token
<base64(emsp_token)>` (no callback when `callback_result` is None). Every request must carry
`Authorization: Token <base64(cpo_token)>`, else 401 with OCPI status 2001.

`mode` (settable at any time) injects a fault into the modules in `fault_modules` (by default all but
the version details): "ok", "timeout" (stalls `stall_s`, then drops the connection), "error500",
"garbage" (200 with a non-JSON body), "bad_envelope" (OCPI status 3000), "reject" (commands REJECTED),
"lost_answer" (a command is carried out, then its answer is lost: stalls `stall_s` and drops the
connection; no callback either).

It records every request it received (`requests`) and every callback it posted (`callbacks`).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from charging import sandbox_data
from charging.ports import Connector, Evse, Location, PowerType, Tariff, TariffDimension

ROOT = "/ocpi/2.2.1"
MODES = ("ok", "timeout", "error500", "garbage", "bad_envelope", "reject", "lost_answer")
MODULES = ("locations", "tariffs", "commands", "sessions")
VAT_PERCENT = {"CNY": Decimal(13), "EUR": Decimal(19)}
CPO_TOKEN = "cpo-token-for-tests"  # what the CPO expects from us
EMSP_TOKEN = "emsp-token-for-tests"  # what the CPO sends on callbacks


def encode_token(token: str) -> str:
    """OCPI 2.2: the credentials token goes base64-encoded in `Authorization: Token ...`."""
    return base64.b64encode(token.encode()).decode()


def ocpi_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: Any


@dataclass(frozen=True)
class PostedCallback:
    url: str
    body: dict[str, Any]
    status: int | None  # None when the POST itself failed
    error: str | None = None


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


# --- the sandbox data set in OCPI JSON ----------------------------------------------------------


def sample_locations(per_city: int = 3) -> list[Location]:
    """The first `per_city` sandbox locations of each city (they include the anchor stations)."""
    taken: dict[str, int] = {}
    picked = []
    for location in sandbox_data.locations():
        taken[location.city] = taken.get(location.city, 0) + 1
        if taken[location.city] <= per_city:
            picked.append(location)
    return picked


def location_to_ocpi(location: Location, party_id: str = "TST") -> dict[str, Any]:
    return {
        "country_code": location.country_code,
        "party_id": party_id,
        "id": location.id,
        "publish": True,
        "name": location.name,
        "address": location.address,
        "city": location.city,
        "country": {"CN": "CHN", "DE": "DEU"}.get(location.country_code, location.country_code),
        "coordinates": {
            "latitude": f"{location.coordinates.lat:.6f}",
            "longitude": f"{location.coordinates.lon:.6f}",
        },
        "operator": {"name": location.operator},
        "time_zone": location.time_zone,
        "evses": [_evse_to_ocpi(evse, location.last_updated) for evse in location.evses],
        "last_updated": location.last_updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _evse_to_ocpi(evse: Evse, updated: datetime) -> dict[str, Any]:
    return {
        "uid": evse.uid,
        "evse_id": evse.evse_id,
        "status": evse.status.value,
        "connectors": [_connector_to_ocpi(c, updated) for c in evse.connectors],
        "last_updated": updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _connector_to_ocpi(connector: Connector, updated: datetime) -> dict[str, Any]:
    watts = connector.max_electric_power
    volts = (800 if watts > 150_000 else 500) if connector.power_type is PowerType.DC else 230
    phases = 3 if connector.power_type is PowerType.AC_3_PHASE else 1
    return {
        "id": connector.id,
        "standard": connector.standard.value,
        "format": "CABLE" if connector.power_type is PowerType.DC else "SOCKET",
        "power_type": connector.power_type.value,
        "max_voltage": volts,
        "max_amperage": -(-watts // (volts * phases)),  # rounded up
        "max_electric_power": watts,
        "tariff_ids": list(connector.tariff_ids),
        "last_updated": updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def tariff_to_ocpi(tariff: Tariff, country_code: str, party_id: str = "TST") -> dict[str, Any]:
    return {
        "country_code": country_code,
        "party_id": party_id,
        "id": tariff.id,
        "currency": tariff.currency,
        "elements": [
            {"price_components": [c.model_dump(mode="json", exclude_none=True) for c in element]}
            for element in tariff.elements
        ],
        "last_updated": ocpi_now(),
    }


def _json(value: Any) -> bytes:
    return json.dumps(value, default=lambda v: float(v) if isinstance(v, Decimal) else str(v)).encode()


def envelope(data: Any, status_code: int = 1000, message: str = "Success") -> bytes:
    return _json(
        {"data": data, "status_code": status_code, "status_message": message, "timestamp": ocpi_now()}
    )


# --- the server ---------------------------------------------------------------------------------


class OcpiTestCpo:
    def __init__(
        self,
        *,
        cpo_token: str = CPO_TOKEN,
        emsp_token: str = EMSP_TOKEN,
        locations: Sequence[Location] | None = None,
        max_page_size: int = 5,
        link_header: bool = True,
        mode: str = "ok",
        fault_modules: Collection[str] = MODULES,
        callback_result: str | None = "ACCEPTED",
        callback_delay_s: float = 0.05,
        stall_s: float = 2.0,
        session_kwh: Decimal = Decimal("12.345"),
        party_id: str = "TST",
    ) -> None:
        self.cpo_token = cpo_token
        self.emsp_token = emsp_token
        self.max_page_size = max_page_size
        self.link_header = link_header
        self.mode = mode
        self.fault_modules = frozenset(fault_modules)
        self.callback_result = callback_result
        self.callback_delay_s = callback_delay_s
        self.stall_s = stall_s
        self.session_kwh = session_kwh
        self.party_id = party_id
        self.locations = list(locations if locations is not None else sample_locations())
        self.sessions: dict[str, dict[str, Any]] = {}  # OCPI Session objects, by the CPO's id
        self._price_per_kwh: dict[str, Decimal] = {}
        self.requests: list[ReceivedRequest] = []
        self.callbacks: list[PostedCallback] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: _Server | None = None

    # --- lifecycle ---

    def start(self) -> OcpiTestCpo:
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler, self)
        self._spawn(self._server.serve_forever, 0.02)  # poll interval: quick shutdown
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> OcpiTestCpo:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the test CPO first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def version_url(self) -> str:
        return self.base_url + ROOT

    # --- assertions helpers ---

    def requests_to(self, module: str) -> list[ReceivedRequest]:
        """Requests received by one module ("versions", "locations", "commands", ...)."""
        with self._lock:
            return [r for r in self.requests if _module(r.path) == module]

    def wait_for_callbacks(self, count: int = 1, timeout_s: float = 2.0) -> list[PostedCallback]:
        """The callbacks posted so far, once there are at least `count` (or the timeout passed)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.callbacks) >= count:
                    break
            time.sleep(0.01)
        with self._lock:
            return list(self.callbacks)

    # --- request handling ---

    def handle(self, request: ReceivedRequest) -> Reply | None:
        """The reply to one request; None to drop the connection without answering."""
        with self._lock:
            self.requests.append(request)
        if request.headers.get("authorization") != f"Token {encode_token(self.cpo_token)}":
            return Reply(401, envelope(None, 2001, "Invalid or missing token"))
        module = _module(request.path)
        if self.mode == "lost_answer":
            if module != "commands":
                return self._route(module, request)
            self.callback_result, kept = None, self.callback_result
            try:
                self._route(module, request)  # done, but the answer never arrives
            finally:
                self.callback_result = kept
            self._stopping.wait(self.stall_s)
            return None
        if module in self.fault_modules and self.mode not in ("ok", "reject"):
            return self._fault()
        return self._route(module, request)

    def _fault(self) -> Reply | None:
        if self.mode == "timeout":
            self._stopping.wait(self.stall_s)
            return None
        if self.mode == "error500":
            return Reply(500, envelope(None, 3000, "Internal error"))
        if self.mode == "garbage":
            return Reply(200, b"<html>Service temporarily unavailable</html>", {"Content-Type": "text/html"})
        if self.mode == "bad_envelope":
            return Reply(200, envelope([], 3000, "Generic server error"))
        raise ValueError(f"unknown test CPO mode {self.mode!r} (one of {', '.join(MODES)})")

    def _route(self, module: str, request: ReceivedRequest) -> Reply:
        command = request.path.rsplit("/", 1)[-1]
        match (request.method, module):
            case ("GET", "versions"):
                return self._ok(self._version_details())
            case ("GET", "locations"):
                return self._page([location_to_ocpi(loc, self.party_id) for loc in self.locations], request)
            case ("GET", "tariffs"):
                return self._page(self._tariffs(), request)
            case ("GET", "sessions"):
                return self._page(self._sessions_since(request.query.get("date_from")), request)
            case ("POST", "commands") if command == "START_SESSION":
                return self._ok(self._start(request.body))
            case ("POST", "commands") if command == "STOP_SESSION":
                return self._ok(self._stop(request.body))
        return Reply(404, envelope(None, 2000, f"no route {request.method} {request.path}"))

    def _ok(self, data: Any, headers: dict[str, str] | None = None) -> Reply:
        return Reply(200, envelope(data), {"Content-Type": "application/json", **(headers or {})})

    def _page(self, items: list[dict[str, Any]], request: ReceivedRequest) -> Reply:
        offset = int(request.query.get("offset", 0))
        limit = min(int(request.query.get("limit", self.max_page_size)), self.max_page_size)
        headers = {"X-Total-Count": str(len(items)), "X-Limit": str(limit)}
        if self.link_header and offset + limit < len(items):
            query = urlencode({**request.query, "offset": offset + limit, "limit": limit})
            headers["Link"] = f'<{self.base_url}{request.path}?{query}>; rel="next"'
        return self._ok(items[offset : offset + limit], headers)

    def _version_details(self) -> dict[str, Any]:
        roles = {"locations": "SENDER", "tariffs": "SENDER", "sessions": "SENDER", "commands": "RECEIVER"}
        endpoints = [{"identifier": m, "role": r, "url": f"{self.version_url}/{m}"} for m, r in roles.items()]
        return {"version": "2.2.1", "endpoints": endpoints}

    def _tariffs(self) -> list[dict[str, Any]]:
        ids = {t for loc in self.locations for e in loc.evses for c in e.connectors for t in c.tariff_ids}
        known = sandbox_data.tariffs()
        country = {t.id: ("CN" if t.currency == "CNY" else "DE") for t in known.values()}
        return [tariff_to_ocpi(known[i], country[i], self.party_id) for i in sorted(ids) if i in known]

    def _sessions_since(self, date_from: str | None) -> list[dict[str, Any]]:
        with self._lock:
            sessions = list(self.sessions.values())
        return [s for s in sessions if date_from is None or s["last_updated"] >= date_from]

    # --- commands ---

    def _start(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.mode == "reject":
            return _command_response("REJECTED", "this CPO rejects remote starts today")
        found = self._find(body.get("location_id"), body.get("evse_uid"), body.get("connector_id"))
        if found is None:
            return _command_response("REJECTED", "unknown location, EVSE or connector")
        with self._lock:
            session_id = f"SES-{len(self.sessions) + 1:04d}"
            self.sessions[session_id] = self._new_session(session_id, body, *found)
        self._callback(body["response_url"])
        return _command_response("ACCEPTED")

    def _stop(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.mode == "reject":
            return _command_response("REJECTED", "this CPO rejects remote stops today")
        with self._lock:
            session = self.sessions.get(body.get("session_id", ""))
            if session is None:
                return _command_response("UNKNOWN_SESSION", "no such session")
            cent = Decimal("0.01")
            excl = (self.session_kwh * self._price_per_kwh[session["id"]]).quantize(cent)
            incl = (excl * (1 + VAT_PERCENT.get(session["currency"], Decimal(0)) / 100)).quantize(cent)
            now = ocpi_now()
            session.update(
                status="COMPLETED",
                kwh=self.session_kwh,
                total_cost={"excl_vat": excl, "incl_vat": incl},
                end_date_time=now,
                last_updated=now,
            )
        self._callback(body["response_url"])
        return _command_response("ACCEPTED")

    def _find(self, location_id: Any, evse_uid: Any, connector_id: Any) -> tuple[Location, Connector] | None:
        """The location and connector a command names, if this CPO has them."""
        for location in self.locations:
            for evse in location.evses:
                for connector in evse.connectors:
                    if (location.id, evse.uid, connector.id) == (location_id, evse_uid, connector_id):
                        return location, connector
        return None

    def _new_session(
        self, session_id: str, body: dict[str, Any], location: Location, connector: Connector
    ) -> dict[str, Any]:
        tariff = sandbox_data.tariff(connector.tariff_ids[0]) if connector.tariff_ids else None
        energy = [c for e in tariff.elements for c in e if c.type is TariffDimension.ENERGY] if tariff else []
        self._price_per_kwh[session_id] = energy[0].price if energy else Decimal(1)
        now = ocpi_now()
        return {
            "country_code": location.country_code,
            "party_id": self.party_id,
            "id": session_id,
            "start_date_time": now,
            "kwh": 0,
            "cdr_token": {k: body["token"].get(k) for k in ("uid", "type", "contract_id")},
            "auth_method": "COMMAND",
            "authorization_reference": body.get("authorization_reference"),
            "location_id": body["location_id"],
            "evse_uid": body["evse_uid"],
            "connector_id": body["connector_id"],
            "currency": tariff.currency if tariff else "EUR",
            "total_cost": {"excl_vat": 0, "incl_vat": 0},
            "status": "ACTIVE",
            "last_updated": now,
        }

    def _callback(self, response_url: str) -> None:
        if self.callback_result is not None:
            self._spawn(self._post_callback, response_url, {"result": self.callback_result})

    def _post_callback(self, url: str, body: dict[str, Any]) -> None:
        if self._stopping.wait(self.callback_delay_s):
            return
        headers = {"Authorization": f"Token {encode_token(self.emsp_token)}"}
        try:
            status: int | None = httpx.post(url, json=body, headers=headers, timeout=2.0).status_code
            error = None
        except httpx.HTTPError as exc:
            status, error = None, f"{type(exc).__name__}: {exc}"
        with self._lock:
            self.callbacks.append(PostedCallback(url, body, status, error))

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()


def _command_response(result: str, message: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"result": result, "timeout": 30}
    if message:
        response["message"] = [{"language": "en", "text": message}]
    return response


def _module(path: str) -> str:
    rest = path.removeprefix(ROOT).strip("/")
    return rest.split("/", 1)[0] if rest else "versions"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[_Handler], cpo: OcpiTestCpo) -> None:
        super().__init__(address, handler)
        self.cpo = cpo


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        request = ReceivedRequest(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        reply = self.server.cpo.handle(request)
        if reply is None:
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in {"Content-Type": "application/json", **reply.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests assert on `requests` instead."""
