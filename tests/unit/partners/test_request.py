"""The request a binding makes of arguments: OpenAPI 3 styles, percent-encoding, hostile values."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cockpit.errors import ConfigurationError, ValidationFailed
from cockpit.partners.model import ApiKeyAuth, BodyBinding, ParameterBinding, PartnerOperation
from cockpit.partners.request import build

BASE = "https://api.acme-parking.example/v2/"


def op(
    path: str = "/items/{id}", *params: ParameterBinding, method: str = "GET", **kw: Any
) -> PartnerOperation:
    return PartnerOperation(
        contract_id="ctr_1",
        version=1,
        partner_id="partner-acme",
        namespace="acme",
        operation_id="op",
        method=method,  # type: ignore[arg-type]
        base_url=kw.pop("base_url", BASE),
        path=path,
        parameters=params,
        signing_secret_arn="arn:aws:secretsmanager:us-east-1:000000000000:secret:s",
        **kw,
    )


def path_param(style: str = "simple", explode: bool = False) -> ParameterBinding:
    return ParameterBinding(
        name="id", location="path", argument="id", required=True, style=style, explode=explode
    )


def query(style: str = "form", explode: bool = True, **kw: Any) -> ParameterBinding:
    return ParameterBinding(name="q", location="query", argument="q", style=style, explode=explode, **kw)


ARRAY, OBJECT = ["blue", "black"], {"R": 100, "G": 200}


@pytest.mark.parametrize(
    ("style", "explode", "value", "path"),
    [
        ("simple", False, 5, "/v2/items/5"),
        ("simple", False, ARRAY, "/v2/items/blue,black"),
        ("simple", True, ARRAY, "/v2/items/blue,black"),
        ("simple", False, OBJECT, "/v2/items/R,100,G,200"),
        ("simple", True, OBJECT, "/v2/items/R=100,G=200"),
        ("label", False, 5, "/v2/items/.5"),
        ("label", False, ARRAY, "/v2/items/.blue,black"),
        ("label", True, ARRAY, "/v2/items/.blue.black"),
        ("label", True, OBJECT, "/v2/items/.R=100.G=200"),
        ("matrix", False, 5, "/v2/items/;id=5"),
        ("matrix", False, ARRAY, "/v2/items/;id=blue,black"),
        ("matrix", True, ARRAY, "/v2/items/;id=blue;id=black"),
        ("matrix", False, OBJECT, "/v2/items/;id=R,100,G,200"),
        ("matrix", True, OBJECT, "/v2/items/;R=100;G=200"),
        ("simple", False, True, "/v2/items/true"),
    ],
)
def test_path_styles_follow_openapi(style: str, explode: bool, value: Any, path: str) -> None:
    request = build(op("/items/{id}", path_param(style, explode)), {"id": value})
    assert request.target == path and request.origin == "https://api.acme-parking.example"


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("../admin", "..%2Fadmin"),
        ("a/../../etc/passwd", "a%2F..%2F..%2Fetc%2Fpasswd"),
        ("spot?admin=1", "spot%3Fadmin%3D1"),
        ("spot#frag", "spot%23frag"),
        ("停车场 A", "%E5%81%9C%E8%BD%A6%E5%9C%BA%20A"),
        ("100%", "100%25"),
        ("a,b;c=d", "a%2Cb%3Bc%3Dd"),
        ("line\r\nX-Evil: 1", "line%0D%0AX-Evil%3A%201"),
    ],
)
def test_hostile_path_values_stay_one_encoded_segment(value: str, encoded: str) -> None:
    assert build(op("/items/{id}", path_param()), {"id": value}).target == f"/v2/items/{encoded}"


@pytest.mark.parametrize("value", [".", "..", "", "...", []])
def test_dot_segments_and_empty_path_values_are_refused(value: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        build(op("/items/{id}", path_param()), {"id": value})
    assert caught.value.errors and caught.value.errors[0].pointer == "/arguments/id"


@pytest.mark.parametrize(
    ("binding", "value", "query_string"),
    [
        (query(), "blue", "q=blue"),
        (query(), ARRAY, "q=blue&q=black"),
        (query(explode=False), ARRAY, "q=blue,black"),
        (query(), OBJECT, "R=100&G=200"),
        (query(explode=False), OBJECT, "q=R,100,G,200"),
        (query("spaceDelimited", False), ARRAY, "q=blue%20black"),
        (query("pipeDelimited", False), ARRAY, "q=blue%7Cblack"),
        (query("deepObject", True), OBJECT, "q%5BR%5D=100&q%5BG%5D=200"),
        (query(), "a&b=c#d+e", "q=a%26b%3Dc%23d%2Be"),
        (query(), "路口", "q=%E8%B7%AF%E5%8F%A3"),
        (query(allow_reserved=True), "a/b:c?d&e=f#g", "q=a/b:c?d%26e%3Df%23g"),
        (query(), False, "q=false"),
        (query(), 2.5, "q=2.5"),
    ],
)
def test_query_styles_follow_openapi(binding: ParameterBinding, value: Any, query_string: str) -> None:
    assert build(op("/items", binding), {"q": value}).target == f"/v2/items?{query_string}"


def test_absent_optional_parameters_are_left_out_and_required_ones_are_refused() -> None:
    assert build(op("/items", query()), {}).target == "/v2/items"
    assert build(op("/items", query()), {"q": None}).target == "/v2/items"
    required = ParameterBinding(name="q", location="query", argument="q", required=True)
    with pytest.raises(ValidationFailed, match="/arguments/q"):
        build(op("/items", required), {})


def test_deep_object_needs_an_object() -> None:
    with pytest.raises(ValidationFailed):
        build(op("/items", query("deepObject")), {"q": "flat"})


def test_headers_carry_printable_ascii_only() -> None:
    header = ParameterBinding(name="X-Plate", location="header", argument="plate")
    assert build(op("/items", header), {"plate": "HU-A12345"}).headers == {"X-Plate": "HU-A12345"}
    assert build(op("/items", header), {"plate": ["a", "b"]}).headers == {"X-Plate": "a,b"}
    for hostile in ("x\r\nSet-Cookie: a=b", "x\nInjected: 1", "x\x00", "沪A12345"):
        with pytest.raises(ValidationFailed, match="/arguments/plate"):
            build(op("/items", header), {"plate": hostile})


@pytest.mark.parametrize(
    "name", ["Authorization", "Host", "X-Cockpit-Signature", "Content-Length", "Bad Name"]
)
def test_a_binding_cannot_set_the_gateways_own_headers(name: str) -> None:
    header = ParameterBinding(name=name, location="header", argument="h")
    with pytest.raises(ConfigurationError):
        build(op("/items", header), {"h": "x"})


def test_json_bodies_whole_or_spread() -> None:
    whole = op("/r", method="POST", body=BodyBinding(media_type="application/json", argument="booking"))
    request = build(whole, {"booking": {"spot": "s-1", "note": "东门"}})
    assert json.loads(request.body) == {"spot": "s-1", "note": "东门"}
    assert request.headers["Content-Type"] == "application/json" and request.method == "POST"
    spread = op("/r", method="POST", body=BodyBinding(media_type="application/json", properties=("a", "b")))
    assert json.loads(build(spread, {"a": 1, "b": [2], "other": 3}).body) == {"a": 1, "b": [2]}
    required = op(
        "/r", method="POST", body=BodyBinding(media_type="application/json", argument="x", required=True)
    )
    with pytest.raises(ValidationFailed, match="/arguments/x"):
        build(required, {})


def test_form_bodies_are_urlencoded() -> None:
    form = BodyBinding(media_type="application/x-www-form-urlencoded", properties=("plate", "tags", "paid"))
    request = build(
        op("/r", method="POST", body=form), {"plate": "沪A 1&2", "tags": ["x", "y"], "paid": True}
    )
    assert request.body == b"plate=%E6%B2%AAA+1%262&tags=x&tags=y&paid=true"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_base_path_and_unknown_template_variables() -> None:
    assert build(op("/items", base_url="https://p.example"), {}).url == "https://p.example/items"
    assert (
        build(op("/items", base_url="https://p.example:8443/api/v2"), {}).url
        == "https://p.example:8443/api/v2/items"
    )
    with pytest.raises(ConfigurationError):
        build(op("/items/{missing}"), {})


def test_an_api_key_in_the_query_is_appended_encoded() -> None:
    request = build(op("/items", query()), {"q": "x"})
    request.add_query("api key", "k&y=1")
    assert request.target == "/v2/items?q=x&api%20key=k%26y%3D1"


@pytest.mark.parametrize("base_url", ["https://p.example/v2?tenant=1", "https://p.example/v2#x"])
def test_a_base_url_with_a_query_or_fragment_is_a_misconfiguration(base_url: str) -> None:
    with pytest.raises(ConfigurationError):
        build(op("/items", base_url=base_url), {})


def free_form(name: str = "filter") -> ParameterBinding:
    return ParameterBinding(name=name, location="query", argument=name, style="form", explode=True)


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("api_key", "the API key's own name"),
        ("API_KEY", "servers differ on case"),
        ("q", "a parameter the operation declares"),
    ],
)
def test_a_free_form_object_cannot_pose_as_the_api_key_or_a_declared_parameter(key: str, why: str) -> None:
    auth = ApiKeyAuth(location="query", name="api_key", secret_arn="arn:key")
    operation = op("/items", query(), free_form(), auth=auth)
    with pytest.raises(ValidationFailed) as refused:
        build(operation, {"q": "x", "filter": {key: "ATTACKER", "color": "red"}})
    assert [e.pointer for e in refused.value.errors] == [f"/arguments/filter/{key}"], why
    request = build(operation, {"q": "x", "filter": {"color": "red", "size": 2}})
    assert request.target == "/v2/items?q=x&color=red&size=2"


def test_an_exploded_matrix_object_cannot_pose_as_another_path_parameter() -> None:
    other = ParameterBinding(name="shelf", location="path", argument="shelf", required=True)
    spec = ParameterBinding(name="id", location="path", argument="id", required=True, style="matrix",
                            explode=True)  # fmt: skip
    with pytest.raises(ValidationFailed, match="may not set"):
        build(op("/items/{id}/{shelf}", spec, other), {"id": {"shelf": "9"}, "shelf": "1"})
    assert build(op("/items/{id}/{shelf}", spec, other), {"id": {"a": "9"}, "shelf": "1"}).target == (
        "/v2/items/;a=9/1"
    )


def test_the_api_key_header_is_the_only_header_of_its_name() -> None:
    from cockpit.partners.auth import OutboundAuthenticator

    class Key:
        def field(self, _arn: str, _name: str) -> str:
            return "real-key"

    request = build(op("/items"), {})
    request.headers["x-API-key"] = "ATTACKER"  # however a binding got there, it does not travel
    OutboundAuthenticator(Key(), None).apply(request, ApiKeyAuth(location="header", name="X-Api-Key",  # type: ignore[arg-type]
                                                                  secret_arn="arn:key"))  # fmt: skip
    assert {k: v for k, v in request.headers.items() if k.lower() == "x-api-key"} == {"X-Api-Key": "real-key"}
