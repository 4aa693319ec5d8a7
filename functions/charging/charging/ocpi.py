"""A real CPO over OCPI 2.2.1: the gateway is the eMSP, the CPO serves Locations, Tariffs, Sessions
and receives Commands.

Every failure of the CPO becomes `UpstreamTimeout` (504) or `UpstreamError` (502) with a detail that
names the module and what went wrong, never a credential. Connectors whose standard the gateway does
not model are left out (and EVSEs left without connectors); anything else malformed is an error.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from charging.ports import (
    CommandResponse,
    CommandResponseType,
    Connector,
    ConnectorStandard,
    Evse,
    EvseStatus,
    GeoPoint,
    Location,
    PowerType,
    PriceComponent,
    StartCommand,
    StopCommand,
    Tariff,
    Usage,
)
from cockpit import deadline
from cockpit.clock import utcnow
from cockpit.errors import UpstreamError, UpstreamTimeout
from cockpit.money import CURRENCY_EXPONENTS, Money
from cockpit.observability import logger
from cockpit.partners.deadline import within
from cockpit.partners.netguard import AddressRefused
from cockpit.partners.transport import BodyEncoded, BodyTooLarge, pinned_client, read_capped

OCPI_SUCCESS = 1000
MAX_PAGES = 1000
MAX_ANSWER_BYTES = 4 * 1024 * 1024  # one answer (a page of locations at most): more is refused, unread
# A CPO stamps its session after our start; look back a little for clock skew.
SESSION_LOOKBACK = timedelta(minutes=10)
_MESSAGE_CHARS = 120
_STANDARDS = frozenset(ConnectorStandard)
_REQUIRED_MODULES = (("locations", "SENDER"), ("commands", "RECEIVER"), ("sessions", "SENDER"))

T = TypeVar("T")


def ocpi_datetime(moment: datetime) -> str:
    """OCPI DateTime: UTC, second precision, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the wire: OCPI 2.2.1 objects as the CPO sends them ------------------------------------------


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Endpoint(_Wire):
    identifier: str
    role: str
    url: str


class _VersionDetails(_Wire):
    endpoints: list[_Endpoint]


class _Connector(_Wire):
    id: str
    standard: str
    power_type: PowerType
    max_voltage: int = Field(ge=0)
    max_amperage: int = Field(ge=0)
    max_electric_power: int | None = Field(default=None, ge=0)
    tariff_ids: list[str] = []

    def to_port(self) -> Connector | None:
        if self.standard not in _STANDARDS:
            return None
        phases = 3 if self.power_type is PowerType.AC_3_PHASE else 1
        watts = self.max_electric_power or self.max_voltage * self.max_amperage * phases
        return Connector(
            id=self.id,
            standard=ConnectorStandard(self.standard),
            power_type=self.power_type,
            max_electric_power=watts,
            tariff_ids=tuple(self.tariff_ids),
        )


class _Evse(_Wire):
    uid: str
    evse_id: str | None = None
    status: EvseStatus
    connectors: list[_Connector]

    def to_port(self) -> Evse | None:
        connectors = tuple(c for c in (w.to_port() for w in self.connectors) if c is not None)
        if not connectors:
            return None
        return Evse(uid=self.uid, evse_id=self.evse_id, status=self.status, connectors=connectors)


class _Coordinates(_Wire):
    latitude: float = Field(ge=-90, le=90)  # OCPI sends "31.2304"
    longitude: float = Field(ge=-180, le=180)


class _Operator(_Wire):
    name: str


class _Location(_Wire):
    id: str
    name: str | None = None
    address: str
    city: str
    country_code: str
    coordinates: _Coordinates
    operator: _Operator | None = None
    time_zone: str
    evses: list[_Evse] = []
    last_updated: datetime

    def to_port(self) -> Location:
        return Location(
            id=self.id,
            name=self.name or self.address,
            address=self.address,
            city=self.city,
            country_code=self.country_code,
            coordinates=GeoPoint(lat=self.coordinates.latitude, lon=self.coordinates.longitude),
            operator=self.operator.name if self.operator else "",
            time_zone=self.time_zone,
            evses=tuple(e for e in (w.to_port() for w in self.evses) if e is not None),
            last_updated=self.last_updated,
        )


class _TariffElement(_Wire):
    price_components: tuple[PriceComponent, ...]


class _Tariff(_Wire):
    id: str
    currency: str
    elements: list[_TariffElement]

    def to_port(self) -> Tariff:
        return Tariff(
            id=self.id, currency=self.currency, elements=tuple(e.price_components for e in self.elements)
        )


class _DisplayText(_Wire):
    text: str


class _CommandResponse(_Wire):
    result: CommandResponseType
    timeout: int = 30
    message: str | list[_DisplayText] | None = None  # OCPI: a list of DisplayText; some CPOs: a string

    def to_port(self) -> CommandResponse:
        message = self.message
        if isinstance(message, list):
            message = message[0].text if message else None
        return CommandResponse(result=self.result, timeout=self.timeout, message=message)


class _Price(_Wire):
    excl_vat: Decimal = Field(ge=0)
    incl_vat: Decimal | None = Field(default=None, ge=0)

    def payable(self) -> Decimal:
        """What the driver pays: incl. VAT when the CPO says."""
        return self.excl_vat if self.incl_vat is None else self.incl_vat


class _Session(_Wire):
    id: str
    authorization_reference: str | None = None
    kwh: Decimal = Field(ge=0)
    currency: str
    total_cost: _Price | None = None
    end_date_time: datetime | None = None

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in CURRENCY_EXPONENTS:
            raise ValueError(f"unsupported currency {value!r}")
        return value

    def to_usage(self, now: datetime) -> Usage:
        cost = Money.from_major(self.total_cost.payable(), self.currency) if self.total_cost else None
        return Usage(kwh=self.kwh, cost=cost, ended_at=self.end_date_time or now)


_VERSION = TypeAdapter(_VersionDetails)
_LOCATION = TypeAdapter(_Location)
_TARIFFS = TypeAdapter(list[_Tariff])
_SESSION = TypeAdapter(_Session)
_COMMAND_RESPONSE = TypeAdapter(_CommandResponse)


def _parse(what: str, adapter: TypeAdapter[T], data: Any) -> T:
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(part) for part in first["loc"]) or "data"
        count = exc.error_count()
        raise UpstreamError(
            f"OCPI {what}: payload failed parsing ({count} error(s), first at {where}: {first['msg']})"
        ) from exc


# --- the adapter ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Endpoints:
    locations: str
    commands: str
    sessions: str
    tariffs: str | None


@dataclass(frozen=True)
class _Cached(Generic[T]):
    at: datetime
    value: T


class OcpiOperator:
    """`ChargePointOperator` over a CPO's OCPI 2.2.1 interface.

    `version_url` is the CPO's version details URL (e.g. `https://cpo.example/ocpi/2.2.1`),
    `cpo_token` the credentials token the CPO gave us (sent base64-encoded, as OCPI 2.2 requires).
    Locations and tariffs are cached for `cache_ttl_s`; module endpoints for the adapter's life.
    Every exchange, headers and body, ends within `timeout_s` (or the invocation's time left) and
    reads at most `MAX_ANSWER_BYTES`, through the partners' pinned transport (`dev_mode`: loopback
    allowed, as for partners).
    """

    def __init__(
        self,
        version_url: str,
        cpo_token: str,
        *,
        client: httpx.Client | None = None,
        timeout_s: float = 5.0,
        cache_ttl_s: float = 60,
        page_limit: int = 100,
        clock: Callable[[], datetime] = utcnow,
        emsp_country_code: str = "DE",
        emsp_party_id: str = "CKP",
        issuer: str = "Cockpit Gateway",
        dev_mode: bool = False,
    ) -> None:
        self._version_url = version_url
        self._origin = _origin(version_url)
        self._token = cpo_token
        self._authorization = "Token " + base64.b64encode(cpo_token.encode()).decode()
        self._owns_client = client is None
        self._client = client or pinned_client(dev_mode=dev_mode)
        self._timeout = timeout_s
        self._ttl = timedelta(seconds=cache_ttl_s)
        self._page_limit = page_limit
        self._clock = clock
        self._party = (emsp_country_code, emsp_party_id, issuer)
        self._endpoints: _Endpoints | None = None
        self._locations: _Cached[dict[str, Location]] | None = None
        self._tariffs: _Cached[dict[str, Tariff]] | None = None

    def close(self) -> None:
        """Close the HTTP client if the adapter made it."""
        if self._owns_client:
            self._client.close()

    # --- ChargePointOperator ---

    def locations(self) -> tuple[Location, ...]:
        return tuple(self._location_index().values())

    def location(self, location_id: str) -> Location | None:
        return self._location_index().get(location_id)

    def tariff(self, tariff_id: str) -> Tariff | None:
        now = self._clock()
        if self._tariffs is None or now - self._tariffs.at >= self._ttl:
            url = self._discover().tariffs
            pulled = _parse("tariffs", _TARIFFS, self._pull("tariffs", url)) if url else []
            self._tariffs = _Cached(now, {t.id: t.to_port() for t in pulled})
        return self._tariffs.value.get(tariff_id)

    def start_session(self, command: StartCommand) -> CommandResponse:
        body = {
            "response_url": command.response_url,
            "token": self._token_object(command.token_uid),
            "location_id": command.location_id,
            "evse_uid": command.evse_uid,
            "connector_id": command.connector_id,
            "authorization_reference": command.session_id,
        }
        return self._command("START_SESSION", body)

    def stop_session(self, command: StopCommand) -> CommandResponse:
        session = self._cpo_session(command)
        if session is None:
            return CommandResponse(
                result=CommandResponseType.UNKNOWN_SESSION,
                message=f"the CPO has no session for {command.session_id}",
            )
        return self._command("STOP_SESSION", {"response_url": command.response_url, "session_id": session.id})

    def started(self, command: StopCommand) -> bool:
        return self._cpo_session(command) is not None

    def usage(self, command: StopCommand) -> Usage:
        """The CPO's own figures; a session the CPO never opened (car not plugged in) used nothing."""
        now = self._clock()
        session = self._cpo_session(command)
        return session.to_usage(now) if session else Usage(kwh=Decimal(0), cost=None, ended_at=now)

    # --- OCPI ---

    def _location_index(self) -> dict[str, Location]:
        now = self._clock()
        if self._locations is None or now - self._locations.at >= self._ttl:
            pulled = self._pull("locations", self._discover().locations)
            self._locations = _Cached(now, _usable_locations(pulled))
        return self._locations.value

    def _discover(self) -> _Endpoints:
        if self._endpoints is None:
            data, _ = self._request("versions", "GET", self._version_url)
            details = _parse("versions", _VERSION, data)
            urls = {(e.identifier, e.role): e.url for e in details.endpoints}
            missing = [f"{module} {role}" for module, role in _REQUIRED_MODULES if (module, role) not in urls]
            if missing:
                raise UpstreamError(f"OCPI versions: the CPO lists no {', '.join(missing)} endpoint")
            self._endpoints = _Endpoints(
                locations=urls[("locations", "SENDER")],
                commands=urls[("commands", "RECEIVER")],
                sessions=urls[("sessions", "SENDER")],
                tariffs=urls.get(("tariffs", "SENDER")),
            )
        return self._endpoints

    def _command(self, name: str, body: dict[str, Any]) -> CommandResponse:
        url = f"{self._discover().commands.rstrip('/')}/{name}"
        data, _ = self._request(f"commands {name}", "POST", url, body=body)
        return _parse(f"commands {name}", _COMMAND_RESPONSE, data).to_port()

    def _cpo_session(self, command: StopCommand) -> _Session | None:
        """The CPO's session for ours (OCPI: ours is its `authorization_reference`), latest first."""
        since = {"date_from": ocpi_datetime(command.started_at - SESSION_LOOKBACK)}
        pulled = self._pull("sessions", self._discover().sessions, since)
        ours = [
            s
            for s in pulled
            if isinstance(s, dict) and s.get("authorization_reference") == command.session_id
        ]
        return _parse("sessions", _SESSION, ours[-1]) if ours else None

    def _token_object(self, token_uid: str) -> dict[str, Any]:
        country_code, party_id, issuer = self._party
        return {
            "country_code": country_code,
            "party_id": party_id,
            "uid": token_uid,
            "type": "APP_USER",
            "contract_id": f"{country_code}-{party_id}-{token_uid}",
            "issuer": issuer,
            "valid": True,
            "whitelist": "ALLOWED",
            "last_updated": ocpi_datetime(self._clock()),
        }

    def _pull(self, what: str, url: str, params: Mapping[str, str] | None = None) -> list[Any]:
        """Every object of a paginated OCPI list: follows `Link: rel="next"`, stops at `X-Total-Count`."""
        base = {**(params or {}), "limit": str(self._page_limit)}
        page: tuple[str, dict[str, str] | None] | None = (url, {**base, "offset": "0"})
        items: list[Any] = []
        for _ in range(MAX_PAGES):
            if page is None:
                return items
            data, response = self._request(what, "GET", page[0], params=page[1])
            if not isinstance(data, list):
                raise UpstreamError(f"OCPI {what}: data is not a list")
            items.extend(data)
            page = _next_page(response, url, base, fetched=len(items), got=len(data))
        raise UpstreamError(f"OCPI {what}: more than {MAX_PAGES} pages")

    def _request(
        self,
        what: str,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> tuple[Any, httpx.Response]:
        """One OCPI call: the envelope's `data` if the CPO answered success, else an upstream error.

        Only the version URL's origin is ever called: endpoint URLs and pagination links come from
        the CPO, and our token must not follow them to another host (or to a cloud metadata address).
        """
        if _origin(url) != self._origin:
            raise UpstreamError(f"OCPI {what}: the CPO pointed outside {self._origin[1]}; refused")
        headers = {
            "Authorization": self._authorization,
            "X-Request-ID": str(uuid.uuid4()),
            "X-Correlation-ID": str(uuid.uuid4()),
        }
        headers["Accept-Encoding"] = "identity"  # the body is read capped and never decompressed
        timeout = deadline.budget(self._timeout, f"OCPI {what}")
        request = self._client.build_request(
            method, url, params=params, json=body, headers=headers, timeout=timeout
        )
        try:
            with within(timeout):  # the whole exchange, however slowly the CPO drips
                response = self._client.send(request, stream=True)
                try:
                    raw = read_capped(response, MAX_ANSWER_BYTES)
                finally:
                    response.close()
        except BodyTooLarge:
            raise UpstreamError(f"OCPI {what}: answered more than {MAX_ANSWER_BYTES >> 20} MiB") from None
        except BodyEncoded:
            raise UpstreamError(f"OCPI {what}: answered a compressed body it was not asked for") from None
        except AddressRefused as exc:
            raise UpstreamError(f"OCPI {what}: the CPO's address is not allowed ({exc})") from None
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(f"OCPI {what}: no answer within {timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise UpstreamError(f"OCPI {what}: could not reach the CPO ({type(exc).__name__})") from exc
        return self._unwrap(what, response, raw), response

    def _unwrap(self, what: str, response: httpx.Response, raw: bytes) -> Any:
        try:
            envelope = json.loads(raw, parse_float=Decimal)
        except (ValueError, RecursionError):
            envelope = None
        if not response.is_success:
            raise UpstreamError(
                f"OCPI {what}: answered HTTP {response.status_code}{self._status_note(envelope)}"
            )
        if not isinstance(envelope, dict):
            raise UpstreamError(f"OCPI {what}: answered a body that is not an OCPI JSON envelope")
        if envelope.get("status_code") != OCPI_SUCCESS:
            raise UpstreamError(f"OCPI {what}: answered{self._status_note(envelope)}")
        if envelope.get("data") is None:
            raise UpstreamError(f"OCPI {what}: answered an envelope without data")
        return envelope["data"]

    def _status_note(self, envelope: Any) -> str:
        """` (OCPI status 2001: message)` from an envelope, shortened, with our credentials masked."""
        if not isinstance(envelope, dict) or "status_code" not in envelope:
            return ""
        message = str(envelope.get("status_message") or "")[:_MESSAGE_CHARS]
        for secret in filter(None, (self._token, self._authorization.removeprefix("Token "))):
            message = message.replace(secret, "***")
        return f" (OCPI status {envelope['status_code']}{': ' + message if message else ''})"


def _usable_locations(pulled: list[Any]) -> dict[str, Location]:
    """The CPO's locations that parse; one malformed or out-of-range location is left out (and logged
    by id), so that it cannot take every station search down with it."""
    found: dict[str, Location] = {}
    for item in pulled:
        try:
            location = _LOCATION.validate_python(item).to_port()
        except ValidationError as exc:
            where = str(item.get("id", "?"))[:64] if isinstance(item, dict) else "?"
            detail = {"location_id": where, "errors": exc.error_count()}
            logger().warning("OCPI location left out", extra=detail)
            continue
        found[location.id] = location
    return found


def _origin(url: str) -> tuple[str, str, int | None]:
    parsed = httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port


def _next_page(
    response: httpx.Response, url: str, base: dict[str, str], *, fetched: int, got: int
) -> tuple[str, dict[str, str] | None] | None:
    """The request for the next page: the `Link` the CPO gave, else by offset while `X-Total-Count` says
    there is more; None when done."""
    total = _total_count(response)
    if got == 0 or (total is not None and fetched >= total):
        return None
    link = response.links.get("next", {}).get("url")
    if link:
        return str(response.url.join(link)), None
    if total is not None:
        return url, {**base, "offset": str(fetched)}
    return None


def _total_count(response: httpx.Response) -> int | None:
    try:
        return int(response.headers["X-Total-Count"])
    except (KeyError, ValueError):
        return None
