"""The REST-proxy resolver: routing, roles, body limits and one place for error mapping."""

from __future__ import annotations

import base64
import json

import pytest
from pydantic import BaseModel, Field

from cockpit.api import MAX_BODY_BYTES, Api, Request
from cockpit.errors import Conflict
from cockpit.tools.model import Role
from tests.support import events as ev


class Body(BaseModel):
    model_config = {"extra": "forbid"}
    name: str = Field(min_length=1)
    count: int = 1


app = Api("test")


@app.route(
    "POST",
    "/things",
    summary="make",
    request=Body,
    response=Body,
    status=201,
    roles=frozenset({Role.VEHICLE}),
)
def make(req: Request) -> Body:
    return req.parse(Body)


@app.route("GET", "/boom", summary="crash")
def boom(_req: Request) -> None:
    raise RuntimeError("secret internals")


@app.route("GET", "/busy", summary="conflict")
def busy(_req: Request) -> None:
    raise Conflict("busy", headers={"Retry-After": "3"})


def post(body: str | None, **kw: object) -> dict:
    return app(ev.api("POST", "/things", raw_body=body, headers={"Content-Type": "application/json"}, **kw))  # type: ignore[arg-type]


def test_valid_body_is_parsed_and_answered() -> None:
    out = post('{"name": "x"}')
    assert out["statusCode"] == 201 and json.loads(out["body"]) == {"name": "x", "count": 1}


def test_malformed_json_is_400() -> None:
    doc = ev.is_problem(post('{"name": '), 400, "malformed-json")
    assert "not valid JSON" in doc["detail"]


def test_schema_errors_are_422_with_pointers() -> None:
    doc = ev.is_problem(post('{"name": "", "count": "many", "extra": 1}'), 422, "validation-failed")
    assert {e["pointer"] for e in doc["errors"]} == {"/name", "/count", "/extra"}


def test_body_over_256_kib_is_413() -> None:
    big = json.dumps({"name": "x" * MAX_BODY_BYTES})
    ev.is_problem(post(big), 413, "payload-too-large")


def test_base64_bodies_are_decoded_and_capped() -> None:
    event = ev.api("POST", "/things", raw_body=base64.b64encode(b'{"name": "y"}').decode())
    event["isBase64Encoded"] = True
    assert json.loads(app(event)["body"])["name"] == "y"


def test_non_json_media_type_is_415() -> None:
    event = ev.api(
        "POST", "/things", raw_body="name=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    ev.is_problem(app(event), 415, "unsupported-media-type")


def test_wrong_role_is_403_and_no_caller_is_401() -> None:
    ev.is_problem(post('{"name": "x"}', role="partner"), 403, "forbidden")
    ev.is_problem(post('{"name": "x"}', role=None), 401, "unauthorized")


def test_unknown_route_404_and_wrong_method_405() -> None:
    ev.is_problem(app(ev.api("GET", "/nothing")), 404, "not-found")
    ev.is_problem(app(ev.api("DELETE", "/things")), 405, "method-not-allowed")


def test_crash_is_a_500_problem_without_internals(caplog: pytest.LogCaptureFixture) -> None:
    out = app(ev.api("GET", "/boom"))
    doc = ev.is_problem(out, 500, "internal-error")
    assert "secret internals" not in out["body"] and "Traceback" not in out["body"]
    assert doc["instance"] == "/boom"


def test_problem_headers_pass_through() -> None:
    out = app(ev.api("GET", "/busy"))
    ev.is_problem(out, 409, "conflict")
    assert out["headers"]["Retry-After"] == "3"
