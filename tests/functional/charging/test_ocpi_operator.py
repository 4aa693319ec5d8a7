"""The OCPI adapter against a CPO that speaks OCPI 2.2.1 over real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from charging import sandbox_data
from charging.ocpi import MAX_ANSWER_BYTES, OcpiOperator
from charging.ports import (
    CommandResponseType,
    ConnectorStandard,
    StartCommand,
    StopCommand,
)
from cockpit.errors import ProblemError, UpstreamError, UpstreamTimeout
from cockpit.money import Money
from tests.support.hostile_server import DRIP_EVERY_S, HUGE, HostileServer
from tests.support.ocpi_cpo import CPO_TOKEN, EMSP_TOKEN, OcpiTestCpo, encode_token, sample_locations

TARGET = ("CN-SHA-0001", "CN-SHA-0001-E1", "1")  # 120 kW GB/T DC, in the test CPO's sample


class CallbackReceiver:
    """The gateway's side of OCPI callbacks: records what the CPO posts to `response_url`."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append((self.path, dict(self.headers.items()), json.loads(raw)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def cpo() -> Iterator[OcpiTestCpo]:
    with OcpiTestCpo(max_page_size=4, stall_s=1.0) as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    server = CallbackReceiver()
    yield server
    server.close()


@pytest.fixture
def make_operator(cpo: OcpiTestCpo) -> Iterator[Callable[..., OcpiOperator]]:
    made: list[OcpiOperator] = []

    def make(**options: Any) -> OcpiOperator:
        options = {"timeout_s": 1.0, "page_limit": 10, "dev_mode": True, **options}
        made.append(OcpiOperator(cpo.version_url, options.pop("token", CPO_TOKEN), **options))
        return made[-1]

    yield make
    for operator in made:
        operator.close()


def start_command(response_url: str, session_id: str = "gw-session-1") -> StartCommand:
    location_id, evse_uid, connector_id = TARGET
    return StartCommand(
        session_id=session_id,
        location_id=location_id,
        evse_uid=evse_uid,
        connector_id=connector_id,
        response_url=response_url,
        token_uid="drv-7f3a",
    )


def stop_command(response_url: str, session_id: str = "gw-session-1") -> StopCommand:
    location_id, evse_uid, connector_id = TARGET
    return StopCommand(
        session_id=session_id,
        location_id=location_id,
        evse_uid=evse_uid,
        connector_id=connector_id,
        started_at=datetime.now(UTC) - timedelta(minutes=1),
        response_url=response_url,
    )


# --- locations and tariffs ----------------------------------------------------------------------


def test_locations_are_pulled_across_pages(
    cpo: OcpiTestCpo, make_operator: Callable[..., OcpiOperator]
) -> None:
    locations = make_operator().locations()

    assert locations == tuple(sample_locations())  # 15 locations, parsed back exactly
    pages = cpo.requests_to("locations")
    assert len(pages) == 4  # the CPO serves at most 4 per page
    assert pages[0].query == {"offset": "0", "limit": "10"}
    assert [p.query["offset"] for p in pages] == ["0", "4", "8", "12"]


def test_pagination_falls_back_to_offsets_when_the_cpo_sends_no_link(
    cpo: OcpiTestCpo, make_operator: Callable[..., OcpiOperator]
) -> None:
    cpo.link_header = False

    assert len(make_operator().locations()) == 15
    assert [p.query["offset"] for p in cpo.requests_to("locations")] == ["0", "4", "8", "12"]


def test_every_request_carries_the_ocpi_headers(
    cpo: OcpiTestCpo, make_operator: Callable[..., OcpiOperator]
) -> None:
    make_operator().locations()

    expected = "Token " + base64.b64encode(CPO_TOKEN.encode()).decode()
    request_ids = set()
    for request in cpo.requests:
        assert request.headers["authorization"] == expected
        assert uuid.UUID(request.headers["x-correlation-id"])
        request_ids.add(str(uuid.UUID(request.headers["x-request-id"])))
    assert len(request_ids) == len(cpo.requests) == 5  # version details + 4 pages


def test_locations_and_endpoints_are_cached(
    cpo: OcpiTestCpo, make_operator: Callable[..., OcpiOperator]
) -> None:
    now = [datetime(2025, 6, 1, tzinfo=UTC)]
    operator = make_operator(cache_ttl_s=60, clock=lambda: now[0])

    operator.locations()
    assert operator.location("CN-SHA-0001") == sandbox_data.location("CN-SHA-0001")
    assert operator.location("CN-SHA-0099") is None
    assert len(cpo.requests) == 5
    now[0] += timedelta(seconds=61)
    operator.locations()
    assert len(cpo.requests_to("locations")) == 8
    assert len(cpo.requests_to("versions")) == 1


def test_tariffs_come_from_the_tariffs_module(make_operator: Callable[..., OcpiOperator]) -> None:
    operator = make_operator()
    location = sandbox_data.location("DE-MUC-0001")
    assert location is not None
    tariff_id = location.evses[0].connectors[0].tariff_ids[0]

    assert operator.tariff(tariff_id) == sandbox_data.tariff(tariff_id)
    assert operator.tariff("NO-SUCH-TARIFF") is None


# --- commands and sessions ----------------------------------------------------------------------


def test_start_callback_stop_and_usage(
    cpo: OcpiTestCpo, receiver: CallbackReceiver, make_operator: Callable[..., OcpiOperator]
) -> None:
    operator = make_operator()

    started = operator.start_session(start_command(receiver.url("/v1/ocpi/commands/START/gw-session-1")))

    assert started.result is CommandResponseType.ACCEPTED
    body = cpo.requests_to("commands")[0].body
    assert cpo.requests_to("commands")[0].path.endswith("/commands/START_SESSION")
    assert body["authorization_reference"] == "gw-session-1"
    assert (body["location_id"], body["evse_uid"], body["connector_id"]) == TARGET
    assert body["token"]["uid"] == "drv-7f3a"
    assert body["token"]["type"] == "APP_USER"
    assert (body["token"]["valid"], body["token"]["whitelist"]) == (True, "ALLOWED")
    assert [(c.status, c.body) for c in cpo.wait_for_callbacks(1)] == [(200, {"result": "ACCEPTED"})]
    path, headers, posted = receiver.received[0]
    assert path == "/v1/ocpi/commands/START/gw-session-1"
    assert headers["Authorization"] == f"Token {encode_token(EMSP_TOKEN)}"
    assert posted == {"result": "ACCEPTED"}

    running = operator.usage(stop_command(receiver.url("/stop")))
    assert running.kwh == 0

    stopped = operator.stop_session(stop_command(receiver.url("/v1/ocpi/commands/STOP/gw-session-1")))

    assert stopped.result is CommandResponseType.ACCEPTED
    stop_request = cpo.requests_to("commands")[1]
    assert stop_request.path.endswith("/commands/STOP_SESSION")
    assert stop_request.body == {
        "response_url": receiver.url("/v1/ocpi/commands/STOP/gw-session-1"),
        "session_id": "SES-0001",
    }
    assert "date_from" in cpo.requests_to("sessions")[0].query
    assert len(cpo.wait_for_callbacks(2)) == 2

    usage = operator.usage(stop_command(receiver.url("/stop")))
    session = cpo.sessions["SES-0001"]
    assert session["status"] == "COMPLETED"
    assert usage.kwh == Decimal("12.345")
    assert usage.cost == Money.from_major(session["total_cost"]["incl_vat"], "CNY")
    assert usage.cost != Money.from_major(session["total_cost"]["excl_vat"], "CNY")
    assert usage.ended_at == datetime.fromisoformat(session["end_date_time"])


def test_stop_without_a_cpo_session_is_unknown(
    cpo: OcpiTestCpo, make_operator: Callable[..., OcpiOperator]
) -> None:
    operator = make_operator()

    response = operator.stop_session(stop_command("http://127.0.0.1:9/cb", session_id="never-started"))

    assert response.result is CommandResponseType.UNKNOWN_SESSION
    assert cpo.requests_to("commands") == []
    usage = operator.usage(stop_command("http://127.0.0.1:9/cb", session_id="never-started"))
    assert (usage.kwh, usage.cost) == (0, None)


@pytest.mark.parametrize("outcome", ["FAILED", None])
def test_the_callback_carries_the_configured_outcome(
    cpo: OcpiTestCpo,
    receiver: CallbackReceiver,
    make_operator: Callable[..., OcpiOperator],
    outcome: str | None,
) -> None:
    cpo.callback_result = outcome
    cpo.callback_delay_s = 0.0

    make_operator().start_session(start_command(receiver.url("/cb")))

    expected = 1 if outcome else 0
    assert len(cpo.wait_for_callbacks(1, timeout_s=0.3 if outcome is None else 2.0)) == expected
    assert [body for _, _, body in receiver.received] == ([{"result": outcome}] if outcome else [])


def test_a_rejected_command_is_returned_with_its_message(
    cpo: OcpiTestCpo, make_operator: Callable[..., OcpiOperator]
) -> None:
    cpo.mode = "reject"

    response = make_operator().start_session(start_command("http://127.0.0.1:9/cb"))

    assert response.result is CommandResponseType.REJECTED
    assert response.message == "this CPO rejects remote starts today"
    assert cpo.callbacks == []


# --- faults -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "error", "detail"),
    [
        ("timeout", UpstreamTimeout, "OCPI locations: no answer within 0.2 s"),
        ("error500", UpstreamError, "OCPI locations: answered HTTP 500 (OCPI status 3000: Internal error)"),
        ("garbage", UpstreamError, "OCPI locations: answered a body that is not an OCPI JSON envelope"),
        ("bad_envelope", UpstreamError, "OCPI locations: answered (OCPI status 3000: Generic server error)"),
    ],
)
def test_faults_become_upstream_errors(
    cpo: OcpiTestCpo,
    make_operator: Callable[..., OcpiOperator],
    mode: str,
    error: type[ProblemError],
    detail: str,
) -> None:
    cpo.mode = mode
    operator = make_operator(timeout_s=0.2)

    with pytest.raises(error) as raised:
        operator.locations()
    with pytest.raises(error, match="OCPI commands START_SESSION"):
        operator.start_session(start_command("http://127.0.0.1:9/cb"))

    assert raised.value.detail == detail
    assert raised.value.status == (504 if mode == "timeout" else 502)
    assert CPO_TOKEN not in raised.value.detail
    assert encode_token(CPO_TOKEN) not in raised.value.detail


def test_a_wrong_token_is_refused_by_the_cpo(make_operator: Callable[..., OcpiOperator]) -> None:
    with pytest.raises(UpstreamError) as raised:
        make_operator(token="wrong-token").locations()

    assert (
        raised.value.detail == "OCPI versions: answered HTTP 401 (OCPI status 2001: Invalid or missing token)"
    )


def test_an_unreachable_cpo_is_an_upstream_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    operator = OcpiOperator(f"http://127.0.0.1:{port}/ocpi/2.2.1", CPO_TOKEN, timeout_s=1.0, dev_mode=True)

    with pytest.raises(UpstreamError, match=r"^OCPI versions: could not reach the CPO \(ConnectError\)$"):
        operator.locations()
    operator.close()


# --- edge cases, with a scripted transport ------------------------------------------------------

VERSION_DETAILS = {
    "version": "2.2.1",
    "endpoints": [
        {"identifier": "locations", "role": "SENDER", "url": "https://cpo.test/ocpi/2.2.1/locations"},
        {"identifier": "commands", "role": "RECEIVER", "url": "https://cpo.test/ocpi/2.2.1/commands"},
        {"identifier": "sessions", "role": "SENDER", "url": "https://cpo.test/ocpi/2.2.1/sessions"},
    ],
}
OCPI_LOCATION = {
    "id": "LOC-1",
    "address": "Färbergraben 10",
    "city": "München",
    "country_code": "DE",
    "coordinates": {"latitude": "48.136600", "longitude": "11.571500"},
    "time_zone": "Europe/Berlin",
    "last_updated": "2025-06-01T00:00:00Z",
    "evses": [
        {
            "uid": "LOC-1-E1",
            "status": "AVAILABLE",
            "connectors": [
                {"id": "1", "standard": "IEC_62196_T2", "power_type": "AC_3_PHASE", "max_voltage": 230,
                 "max_amperage": 32, "tariff_ids": []},
                {"id": "2", "standard": "DOMESTIC_F", "power_type": "AC_1_PHASE", "max_voltage": 230,
                 "max_amperage": 16},
            ],
        },
        {
            "uid": "LOC-1-E2",
            "status": "AVAILABLE",
            "connectors": [{"id": "1", "standard": "TESLA_S", "power_type": "DC", "max_voltage": 400,
                            "max_amperage": 300}],
        },
    ],
}  # fmt: skip


def scripted(locations_answer: dict[str, Any] | bytes, status: int = 200) -> OcpiOperator:
    """An adapter whose CPO answers version details properly and locations with `locations_answer`."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/ocpi/2.2.1":
            return httpx.Response(200, json={"data": VERSION_DETAILS, "status_code": 1000})
        if isinstance(locations_answer, bytes):
            return httpx.Response(status, content=locations_answer)
        return httpx.Response(status, json=locations_answer)

    client = httpx.Client(transport=httpx.MockTransport(answer))
    return OcpiOperator("https://cpo.test/ocpi/2.2.1", CPO_TOKEN, client=client)


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (
            {"data": [], "status_code": 2001, "status_message": f"token {CPO_TOKEN} unknown"},
            "OCPI locations: answered (OCPI status 2001: token *** unknown)",
        ),
        (
            {"status_code": 1000, "status_message": "Success"},
            "OCPI locations: answered an envelope without data",
        ),
        ({"data": {"id": "LOC-1"}, "status_code": 1000}, "OCPI locations: data is not a list"),
        (b"[1, 2, 3]", "OCPI locations: answered a body that is not an OCPI JSON envelope"),
    ],
)
def test_malformed_answers_are_upstream_errors(answer: dict[str, Any] | bytes, detail: str) -> None:
    with pytest.raises(UpstreamError) as raised:
        scripted(answer).locations()

    assert raised.value.detail.startswith(detail)


@pytest.mark.parametrize(
    "broken",
    [
        {"coordinates": {"latitude": "north"}},
        {"coordinates": {"latitude": "91.0", "longitude": "11.5"}},
        {
            "evses": [
                {
                    "uid": "X",
                    "status": "AVAILABLE",
                    "connectors": [
                        {
                            "id": "1",
                            "standard": "IEC_62196_T2",
                            "power_type": "AC_3_PHASE",
                            "max_voltage": 230,
                            "max_amperage": -32,
                        }
                    ],
                }
            ]
        },
    ],
)
def test_a_malformed_location_is_left_out_not_fatal(broken: dict[str, Any]) -> None:
    bad = {**OCPI_LOCATION, "id": "LOC-BAD", **broken}
    locations = scripted({"data": [bad, OCPI_LOCATION], "status_code": 1000}).locations()
    assert [loc.id for loc in locations] == ["LOC-1"]


def test_urls_outside_the_cpos_origin_are_never_called() -> None:
    called: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        called.append(str(request.url))
        if request.url.path == "/ocpi/2.2.1":
            details = {
                **VERSION_DETAILS,
                "endpoints": [
                    {**e, "url": "http://169.254.169.254/latest/meta-data"}
                    if e["identifier"] == "locations"
                    else e
                    for e in VERSION_DETAILS["endpoints"]
                ],
            }  # type: ignore[attr-defined]
            return httpx.Response(200, json={"data": details, "status_code": 1000})
        return httpx.Response(200, json={"data": [], "status_code": 1000})

    operator = OcpiOperator(
        "https://cpo.test/ocpi/2.2.1", CPO_TOKEN, client=httpx.Client(transport=httpx.MockTransport(answer))
    )
    with pytest.raises(UpstreamError, match=r"pointed outside cpo\.test"):
        operator.locations()
    assert called == ["https://cpo.test/ocpi/2.2.1"]


def test_unmodelled_connectors_are_dropped_and_power_derived() -> None:
    (location,) = scripted({"data": [OCPI_LOCATION], "status_code": 1000}).locations()

    assert location.name == "Färbergraben 10"  # OCPI names are optional
    assert (location.coordinates.lat, location.coordinates.lon) == (48.1366, 11.5715)
    assert [evse.uid for evse in location.evses] == ["LOC-1-E1"]
    (connector,) = location.evses[0].connectors
    assert connector.standard is ConnectorStandard.IEC_62196_T2
    assert connector.max_electric_power == 230 * 32 * 3


def test_version_details_must_list_the_modules_used() -> None:
    def answer(_: httpx.Request) -> httpx.Response:
        endpoints = [e for e in VERSION_DETAILS["endpoints"] if e["identifier"] == "locations"]  # type: ignore[index]
        return httpx.Response(200, json={"data": {"endpoints": endpoints}, "status_code": 1000})

    client = httpx.Client(transport=httpx.MockTransport(answer))
    operator = OcpiOperator("https://cpo.test/ocpi/2.2.1", CPO_TOKEN, client=client)

    with pytest.raises(UpstreamError, match="no commands RECEIVER, sessions SENDER endpoint"):
        operator.locations()


def test_without_a_tariffs_module_there_are_no_tariffs() -> None:
    assert scripted({"data": [], "status_code": 1000}).tariff("EUR-DC-01") is None


# --- a hostile CPO: every byte read is capped in size and in total time ---------------------------


def test_a_cpo_dripping_its_answer_is_cut_at_the_exchange_deadline() -> None:
    versions = {"status_code": 1000, "data": VERSION_DETAILS}
    with HostileServer("drip", versions) as server:
        operator = OcpiOperator(server.url + "/ocpi/2.2.1", CPO_TOKEN, timeout_s=1.0, dev_mode=True)
        started = time.monotonic()
        with pytest.raises(UpstreamTimeout, match=r"^OCPI versions: no answer within 1 s$") as raised:
            operator.locations()
        elapsed = time.monotonic() - started
        operator.close()
    whole = len(json.dumps(versions)) + 90  # head and body: a per-read timeout alone would read it all
    assert raised.value.status == 504
    assert 0 < server.sent < whole
    assert elapsed < whole * DRIP_EVERY_S / 4  # loosely: ended long before the drip would have


def test_a_cpo_streaming_64_mib_is_refused_after_the_cap() -> None:
    with HostileServer("huge", {}) as server:
        operator = OcpiOperator(server.url + "/ocpi/2.2.1", CPO_TOKEN, timeout_s=5.0, dev_mode=True)
        with pytest.raises(UpstreamError, match=r"^OCPI versions: answered more than 4 MiB$") as raised:
            operator.locations()
        operator.close()
    assert raised.value.status == 502
    assert server.sent < HUGE // 4  # the gateway hung up long before the end (socket buffers aside)


def test_a_cpo_declaring_a_body_over_the_cap_or_compressing_it_is_refused_unread() -> None:
    def oversized(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": str(MAX_ANSWER_BYTES + 1)}, content=b"{}")

    def compressed(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b"\x1f\x8b")

    for handler, detail in ((oversized, "answered more than 4 MiB"),
                            (compressed, "answered a compressed body it was not asked for")):  # fmt: skip
        client = httpx.Client(transport=httpx.MockTransport(handler))
        operator = OcpiOperator("https://cpo.test/ocpi/2.2.1", CPO_TOKEN, client=client)
        with pytest.raises(UpstreamError) as raised:
            operator.locations()
        assert raised.value.detail == f"OCPI versions: {detail}"


def test_a_cpo_at_a_private_address_is_refused_outside_development() -> None:
    operator = OcpiOperator("https://10.0.0.7/ocpi/2.2.1", CPO_TOKEN)
    with pytest.raises(UpstreamError, match=r"^OCPI versions: the CPO's address is not allowed"):
        operator.locations()
    operator.close()
