"""The partner caller against httpx mock transports: outbound auth, the OAuth2 token cache, retries,
the breaker, the response cap read by streaming, and the mapping of bad answers to problems."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from cockpit.errors import (
    ConfigurationError,
    PartnerConflict,
    PartnerRateLimited,
    PartnerRefused,
    PartnerRejectedArguments,
    PartnerResourceNotFound,
    ProblemError,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
    ValidationFailed,
)
from cockpit.partners.auth import OutboundAuthenticator
from cockpit.partners.model import ApiKeyAuth, OAuth2ClientCredentials, OutboundAuth, PartnerTool
from cockpit.partners.resilience import CircuitBreaker
from cockpit.partners.target import PartnerCaller
from cockpit.partners.transport import pinned_client
from cockpit.tools.model import Caller, Role, ToolInvocation
from tests.support.partners import SIGNING_KEY, parking_tools, verify_signature

BASE = "https://api.acme-parking.example/v2"
TOKEN_URL = "https://auth.acme-parking.example/oauth/token"
Handler = Callable[[httpx.Request], httpx.Response]


class Secrets:
    values = {"sign": {"key": SIGNING_KEY}, "api": {"value": "k-123"}, "oauth": {"client_secret": "s3cr3t"},
              "subject": {"key": "gateway-key"}}  # fmt: skip

    def field(self, arn: str, name: str) -> str:
        if arn not in self.values:
            raise ConfigurationError(f"the partner secret {arn} cannot be read (ResourceNotFoundException)")
        return self.values[arn][name]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def tools(auth: OutboundAuth | None = None) -> dict[str, PartnerTool]:
    return {t.operation.operation_id: t for t in parking_tools(BASE, signing_arn="sign", auth=auth)}


def make(handler: Handler, clock: Clock | None = None, **kw: Any) -> tuple[PartnerCaller, list[float]]:
    clock = clock or Clock()
    client = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=False)
    secrets = Secrets()
    slept: list[float] = []
    caller = PartnerCaller(
        client=client,
        secrets=secrets,
        authenticator=OutboundAuthenticator(secrets, client, clock=clock),
        subject_key=lambda: b"gateway-key",
        monotonic=clock,
        sleep=slept.append,
        **kw,
    )
    return caller, slept


def invocation(tool: str, arguments: dict[str, Any], **kw: Any) -> ToolInvocation:
    return ToolInvocation(invocation_id="inv-1", tool=tool, arguments=arguments,
                          caller=Caller(sub="vin-test-1", role=Role.VEHICLE), **kw)  # fmt: skip


SPOT = {"id": "spot-1", "name": "P1", "free": 3}


def test_api_keys_go_where_the_contract_says() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=SPOT)

    for location in ("header", "query"):
        caller, _ = make(handler)
        t = tools(ApiKeyAuth(location=location, name="api_key", secret_arn="api"))["getSpot"]  # type: ignore[arg-type]
        caller.call(t, invocation(t.spec.name, {"spot_id": "spot-1"}))
    by_header, by_query = seen
    assert by_header.headers["api_key"] == "k-123" and by_header.url.query == b""
    assert by_query.url.raw_path == b"/v2/spots/spot-1?api_key=k-123" and "api_key" not in by_query.headers
    target = by_query.url.raw_path.decode()  # the signature covers the key-bearing query as sent
    assert verify_signature(SIGNING_KEY, "GET", target, dict(by_query.headers), b"").ok


def test_one_token_serves_many_calls_until_shortly_before_it_expires_and_a_401_drops_it() -> None:
    clock = Clock()
    issued: list[str] = []
    refuse_next = {"on": False}

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            expected = "Basic " + base64.b64encode(b"cockpit:s3cr3t").decode()
            assert request.headers["authorization"] == expected
            assert request.content == b"grant_type=client_credentials&scope=spots%3Aread+reservations"
            issued.append(f"tok-{len(issued) + 1}")
            return httpx.Response(200, json={"access_token": issued[-1], "expires_in": 600})
        if refuse_next["on"]:
            refuse_next["on"] = False
            return httpx.Response(401, json={"error": "invalid_token"})
        assert request.headers["authorization"] == f"Bearer {issued[-1]}"
        return httpx.Response(200, json=SPOT)

    auth = OAuth2ClientCredentials(token_url=TOKEN_URL, client_id="cockpit", secret_arn="oauth",
                                   scopes=("spots:read", "reservations"))  # fmt: skip
    caller, _ = make(handler, clock)
    t = tools(auth)["getSpot"]
    for _ in range(5):
        caller.call(t, invocation(t.spec.name, {"spot_id": "spot-1"}))
    assert issued == ["tok-1"]
    clock.now += 569  # 31 s before expiry: still good
    caller.call(t, invocation(t.spec.name, {"spot_id": "spot-1"}))
    assert issued == ["tok-1"]
    clock.now += 2  # inside the 30 s margin: renewed
    caller.call(t, invocation(t.spec.name, {"spot_id": "spot-1"}))
    assert issued == ["tok-1", "tok-2"]
    refuse_next["on"] = True  # the partner refuses tok-2: dropped, tok-3 fetched, the call succeeds
    assert caller.call(t, invocation(t.spec.name, {"spot_id": "spot-1"})).result == SPOT
    assert issued == ["tok-1", "tok-2", "tok-3"]


def test_a_failing_token_endpoint_is_a_502_naming_it() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "invalid_client"})

    auth = OAuth2ClientCredentials(token_url=TOKEN_URL, client_id="cockpit", secret_arn="oauth")
    caller, _ = make(handler)
    t = tools(auth)["getSpot"]
    with pytest.raises(UpstreamError, match="token endpoint answered 400"):
        caller.call(t, invocation(t.spec.name, {"spot_id": "spot-1"}))


def answering(status: int, body: bytes = b"{}", content_type: str = "application/json") -> Handler:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"Content-Type": content_type})

    return handler


@pytest.mark.parametrize(
    ("handler", "error", "partner_status"),
    [
        (answering(400), PartnerRejectedArguments, 400),
        (answering(422), PartnerRejectedArguments, 422),
        (answering(404), PartnerResourceNotFound, 404),
        (answering(409), PartnerConflict, 409),
        (answering(429), PartnerRateLimited, 429),
        (answering(401), PartnerRefused, 401),
        (answering(403), PartnerRefused, 403),
        (answering(418), PartnerRefused, 418),
        (answering(500), PartnerRefused, 500),
        (answering(302), PartnerRefused, 302),
        (answering(200, b"<html>hi</html>", "text/html"), UpstreamError, None),
        (answering(200, b"   <!doctype html>", "application/json"), UpstreamError, None),
        (answering(200, b'{"id": "x"}', "text/plain"), UpstreamError, None),
        (answering(200, b"{broken", "application/json"), UpstreamError, None),
    ],
)
def test_bad_answers_map_to_their_problems(
    handler: Handler, error: type[ProblemError], partner_status: int | None
) -> None:
    caller, _ = make(handler)
    t = tools()["createReservation"]
    with pytest.raises(error) as caught:
        caller.call(t, invocation(t.spec.name, {"spot_id": "s", "hours": 1}))
    assert type(caught.value) is error
    assert getattr(caught.value, "partner_status", None) == partner_status
    if partner_status is not None:
        assert caught.value.problem().model_dump()["partner_status"] == partner_status


def test_success_shapes() -> None:
    t = tools()["getSpot"]
    for handler, result in [
        (answering(204, b""), {}),
        (answering(200, b"[1, 2]"), {"value": [1, 2]}),
        (answering(200, b'{"id": "x"}', "application/vnd.acme+json; charset=utf-8"), {"id": "x"}),
    ]:
        caller, _ = make(handler)
        assert caller.call(t, invocation(t.spec.name, {"spot_id": "x"})).result == result


def test_an_answer_over_1_mib_is_refused_without_reading_it_all() -> None:
    pulled = {"chunks": 0}

    def body() -> Iterator[bytes]:
        for _ in range(80):  # 5 MiB
            pulled["chunks"] += 1
            yield b" " * 65536

    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body(), headers={"Content-Type": "application/json"})

    caller, _ = make(handler)
    t = tools()["getSpot"]
    with pytest.raises(UpstreamError, match="larger than 1 MiB"):
        caller.call(t, invocation(t.spec.name, {"spot_id": "x"}))
    assert pulled["chunks"] == 17  # 16 chunks make 1 MiB; the 17th crosses the cap and reading stops


def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": str(5 * 1024 * 1024)}, content=b"{}")

    caller, _ = make(handler)
    t = tools()["getSpot"]
    with pytest.raises(UpstreamError, match="1 MiB"):
        caller.call(t, invocation(t.spec.name, {"spot_id": "x"}))


def test_idempotent_calls_are_retried_with_backoff_on_connect_errors_and_502_503_504() -> None:
    answers = iter([httpx.ConnectError("refused"), httpx.Response(503), httpx.Response(200, json=SPOT)])

    def handler(_request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    caller, slept = make(handler)
    t = tools()["getSpot"]
    assert caller.call(t, invocation(t.spec.name, {"spot_id": "x"})).result == SPOT
    assert len(slept) == 2 and all(0 <= s <= 1.0 for s in slept)


def test_a_post_is_never_retried() -> None:
    count = {"n": 0}

    def handler(_request: httpx.Request) -> httpx.Response:
        count["n"] += 1
        return httpx.Response(503)

    caller, slept = make(handler)
    t = tools()["createReservation"]
    with pytest.raises(PartnerRefused) as caught:
        caller.call(t, invocation(t.spec.name, {"spot_id": "s", "hours": 1}))
    assert caught.value.status == 502 and count["n"] == 1 and slept == []


def test_a_read_timeout_is_a_504_and_is_not_retried() -> None:
    count = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        count["n"] += 1
        raise httpx.ReadTimeout("slow", request=request)

    caller, _ = make(handler)
    t = tools()["getSpot"]
    with pytest.raises(UpstreamTimeout, match="within 3 s"):
        caller.call(t, invocation(t.spec.name, {"spot_id": "x"}))
    assert count["n"] == 1


def test_the_breaker_answers_503_fast_and_a_probe_closes_it() -> None:
    clock = Clock()
    healthy = {"on": False}
    count = {"n": 0}

    def handler(_request: httpx.Request) -> httpx.Response:
        count["n"] += 1
        return httpx.Response(200, json=SPOT) if healthy["on"] else httpx.Response(500)

    caller, _ = make(handler, clock, breaker=CircuitBreaker(threshold=2, cool_down_s=10, clock=clock))
    t = tools()["getSpot"]
    for _ in range(2):
        with pytest.raises(PartnerRefused):
            caller.call(t, invocation(t.spec.name, {"spot_id": "x"}))
    with pytest.raises(UpstreamUnavailable) as caught:
        caller.call(t, invocation(t.spec.name, {"spot_id": "x"}))
    assert caught.value.status == 503 and caught.value.headers == {"Retry-After": "10"} and count["n"] == 2
    clock.now += 10
    healthy["on"] = True
    assert caller.call(t, invocation(t.spec.name, {"spot_id": "x"})).result == SPOT
    assert caller.call(t, invocation(t.spec.name, {"spot_id": "x"})).result == SPOT and count["n"] == 4


def test_partner_4xx_does_not_count_against_the_breaker() -> None:
    caller, _ = make(answering(404), breaker=CircuitBreaker(threshold=1))
    t = tools()["getSpot"]
    for _ in range(3):
        with pytest.raises(PartnerResourceNotFound):
            caller.call(t, invocation(t.spec.name, {"spot_id": "x"}))


def test_a_preview_asks_nothing_of_the_partner() -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        raise AssertionError("the partner must not be called for a preview")

    caller, _ = make(handler)
    t = tools()["createReservation"]
    en = caller.call(t, invocation(t.spec.name, {"spot_id": "s-1", "hours": 2}, phase="preview"))
    assert en.result == {
        "summary": "Confirm Reserve a parking spot with acme_parking (hours: 2; spot id: s-1)?"
    }
    zh = caller.call(
        t, invocation(t.spec.name, {"spot_id": "s-1", "hours": 2}, phase="preview", locale="zh-CN")
    )
    assert zh.result == {
        "summary": "确认让acme_parking执行“Reserve a parking spot”（hours：2，spot id：s-1）？"
    }


def _titled(t: Any, properties: dict[str, Any]) -> Any:
    schema = {"type": "object", "properties": properties}
    return t.model_copy(update={"spec": t.spec.model_copy(update={"input_schema": schema})})


def test_a_preview_names_every_argument_by_its_schema_title_or_description() -> None:
    caller, _ = make(answering(200))
    t = _titled(
        tools()["createReservation"],
        {
            "spot_id": {"type": "string", "title": "Parking spot"},
            "z_amount": {"type": "integer", "description": "Amount to charge, in fen.\nMore text."},
            "hours": {"type": "integer"},
        },
    )
    args = {"spot_id": "s-1", "hours": 2, "z_amount": 999999}
    en = caller.call(t, invocation(t.spec.name, args, phase="preview"))
    assert en.result == {
        "summary": "Confirm Reserve a parking spot with acme_parking "
        "(hours: 2; Parking spot: s-1; Amount to charge, in fen: 999999)?"
    }


@pytest.mark.parametrize(
    ("args", "pointer"),
    [
        ({f"a{i}": i for i in range(9)}, "/arguments"),  # the 9th argument would never have been heard
        ({"spot_id": {"nested": ["object"]}}, "/arguments/spot_id"),
        ({"spot_id": "x" * 61}, "/arguments/spot_id"),
        ({"spot_id": "line\nbreak"}, "/arguments/spot_id"),
    ],
    ids=["nine-arguments", "nested", "long-value", "control-characters"],
)
def test_a_question_the_driver_cannot_judge_by_ear_is_refused(args: dict[str, Any], pointer: str) -> None:
    caller, _ = make(answering(200))
    t = tools()["createReservation"]
    with pytest.raises(ValidationFailed) as refused:
        caller.call(t, invocation(t.spec.name, args, phase="preview"))
    assert "cannot be put to the driver in one sentence" in refused.value.detail
    assert refused.value.errors is not None and refused.value.errors[0].pointer == pointer


def test_what_the_partner_receives() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"reservation_id": "r-1", "status": "confirmed"})

    caller, _ = make(handler)
    t = tools()["createReservation"]
    caller.call(t, invocation(t.spec.name, {"spot_id": "s-1", "hours": 2}, locale="zh-CN"))
    (got,) = seen
    assert got.method == "POST" and str(got.url) == BASE + "/reservations"
    assert json.loads(got.content) == {"spot_id": "s-1", "hours": 2}
    assert got.headers["accept-language"] == "zh-CN" and got.headers["x-cockpit-request-id"] == "inv-1"
    assert got.headers["x-cockpit-subject"].startswith("psn_") and "vin-test-1" not in str(got.headers)
    assert verify_signature(SIGNING_KEY, "POST", got.url.raw_path.decode(), dict(got.headers), got.content).ok


def test_a_compressed_answer_is_refused_unread() -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
                              content=b"\x1f\x8b")  # fmt: skip

    caller, _ = make(handler)
    t = tools()["getSpot"]
    with pytest.raises(UpstreamError, match="compressed"):
        caller.call(t, invocation(t.spec.name, {"spot_id": "x"}))


def test_a_gateway_misconfiguration_neither_opens_nor_closes_the_partners_breaker() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=2, cool_down_s=5, clock=clock)
    answers = iter([httpx.Response(500), httpx.Response(500), httpx.Response(200, json={})])

    def handler(_request: httpx.Request) -> httpx.Response:
        return next(answers)

    caller, _ = make(handler, clock, breaker=breaker)
    t = tools()["getSpot"]
    unsigned = t.operation.model_copy(update={"signing_secret_arn": "missing"})
    broken = t.model_copy(update={"operation": unsigned})
    with pytest.raises(PartnerRefused):
        caller.call(t, invocation(t.spec.name, {"spot_id": "x"}))
    for _ in range(3):  # the gateway's fault: the partner's count of failures stays at one
        with pytest.raises(ConfigurationError):
            caller.call(broken, invocation(t.spec.name, {"spot_id": "x"}))
    with pytest.raises(PartnerRefused):
        caller.call(t, invocation(t.spec.name, {"spot_id": "x"}))
    assert breaker.is_open(t.operation.partner_id)
    clock.now += 5
    with pytest.raises(ConfigurationError):  # takes the half-open slot, then gives it back
        caller.call(broken, invocation(t.spec.name, {"spot_id": "x"}))
    assert caller.call(t, invocation(t.spec.name, {"spot_id": "x"})).result == {}
    assert not breaker.is_open(t.operation.partner_id)


def test_absurdly_nested_json_is_a_502_not_a_crash() -> None:
    caller, _ = make(answering(200, b"[" * 200_000 + b"]" * 200_000))
    t = tools()["getSpot"]
    with pytest.raises(UpstreamError, match="not valid JSON"):
        caller.call(t, invocation(t.spec.name, {"spot_id": "x"}))


def test_the_partner_sees_the_gateways_user_agent_not_the_librarys() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=SPOT)

    caller, _ = make(handler)
    t = tools()["getSpot"]
    caller.call(t, invocation(t.spec.name, {"spot_id": "x"}))
    assert seen[0].headers["user-agent"].startswith("cockpit-gateway/")
    assert seen[0].headers["accept-encoding"] == "identity"


@pytest.mark.parametrize(
    ("base_url", "why"),
    [
        ("ftp://files.acme.example/v2", "only https"),
        ("http://api.acme.example/v2", "only https"),
        ("https://user:pw@api.acme.example/v2", "credentials"),
    ],
)
def test_a_base_url_the_guard_refuses_is_never_requested(base_url: str, why: str) -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing may be sent")

    caller, _ = make(handler)
    t = {x.operation.operation_id: x for x in parking_tools(base_url, signing_arn="sign")}["getSpot"]
    with pytest.raises(UpstreamError, match=why):
        caller.call(t, invocation(t.spec.name, {"spot_id": "x"}))


def test_an_unexpected_failure_in_a_probe_does_not_wedge_the_breaker() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cool_down_s=5, clock=clock)
    answers = iter([httpx.Response(500), RuntimeError("bug"), httpx.Response(200, json=SPOT)])

    def handler(_request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    caller, _ = make(handler, clock, breaker=breaker)
    t = tools()["getSpot"]
    with pytest.raises(PartnerRefused):
        caller.call(t, invocation(t.spec.name, {"spot_id": "x"}))
    clock.now += 5
    with pytest.raises(RuntimeError):
        caller.call(t, invocation(t.spec.name, {"spot_id": "x"}))
    clock.now += 5
    assert caller.call(t, invocation(t.spec.name, {"spot_id": "x"})).result == SPOT


@pytest.mark.parametrize(
    ("token_url", "dev_mode", "why"),
    [
        ("http://auth.acme-parking.example/token", False, "only https"),
        ("http://10.0.0.8/token", True, "private"),
        ("https://169.254.169.254/token", False, "metadata"),
    ],
)
def test_the_token_endpoint_is_guarded_like_the_partner(token_url: str, dev_mode: bool, why: str) -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing may be sent")

    client = pinned_client(dev_mode=dev_mode)  # the real guard: refuses before any socket
    caller, _ = make(handler)
    caller.authenticator = OutboundAuthenticator(Secrets(), client, dev_mode=dev_mode)
    auth = OAuth2ClientCredentials(token_url=token_url, client_id="cockpit", secret_arn="oauth")
    t = tools(auth)["getSpot"]
    with pytest.raises(UpstreamError, match=why):
        caller.call(t, invocation(t.spec.name, {"spot_id": "x"}))


def test_a_write_carries_a_derived_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"reservation_id": "r-1", "status": "confirmed"})

    caller, _ = make(handler)
    t = tools()["createReservation"]
    args = {"spot_id": "s-1", "hours": 2}
    caller.call(t, invocation(t.spec.name, args, idempotency_key="car-key-1"))
    caller.call(t, invocation(t.spec.name, args, idempotency_key="car-key-1"))
    caller.call(t, invocation(t.spec.name, args, idempotency_key="car-key-2"))
    caller.call(t, invocation(t.spec.name, args))
    first, again, other, none = (r.headers.get("idempotency-key") for r in seen)
    assert first == again != other and none is None
    assert first is not None and "car-key" not in first and len(first) == 40
