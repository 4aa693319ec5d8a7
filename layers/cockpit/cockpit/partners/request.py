"""The HTTP request a partner operation's binding makes of validated tool arguments.

OpenAPI 3 parameter serialization: path styles simple, label and matrix; query styles form (explode
or not), spaceDelimited, pipeDelimited and deepObject; headers (simple); a JSON or form body. Every
value is percent-encoded as RFC 3986 requires (only unreserved characters stay literal; with
`allowReserved` a query value may also keep reserved characters other than the query's own
delimiters `& = + #`). A path value that is `.` or `..` or empty, and a header value with control
characters (CR/LF: header injection) or non-ASCII text, are refused with a 422 naming the argument.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from cockpit.errors import ConfigurationError, ProblemItem, ValidationFailed, json_pointer
from cockpit.partners.model import ApiKeyAuth, BodyBinding, ParameterBinding, PartnerOperation

# Reserved characters a query value may keep with allowReserved; the query's own delimiters never.
_RESERVED_OK = ":/?[]@!$'()*,;"
_TEMPLATE_VAR = re.compile(r"\{([^{}]+)\}")
_HEADER_VALUE = re.compile(r"^[\x20-\x7e\t]*$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# Headers the gateway sets itself; a binding may not set them from arguments.
GATEWAY_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        "authorization",
        "cookie",
        "accept-language",
        "x-cockpit-subject",
        "x-cockpit-timestamp",
        "x-cockpit-signature",
        "x-cockpit-request-id",
        "idempotency-key",
    }
)


@dataclass
class OutboundRequest:
    """What will be sent: `target` is the path and query exactly as they go on the wire."""

    method: str
    origin: str  # scheme://host[:port]
    target: str  # /base/path?query
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def url(self) -> str:
        return self.origin + self.target

    def add_query(self, name: str, value: str) -> None:
        pair = f"{_enc(name)}={_enc(value)}"
        self.target += ("&" if "?" in self.target else "?") + pair


def build(op: PartnerOperation, arguments: dict[str, Any]) -> OutboundRequest:
    """The request for `op` with these (already schema-validated) arguments."""
    base = urlsplit(op.base_url)
    if base.query or base.fragment:
        raise ConfigurationError(f"{op.namespace}: a base URL carries no query or fragment")
    path = _path(base.path.rstrip("/"), op, arguments)
    taken = _taken_names(op)
    query: list[str] = []
    headers: dict[str, str] = {}
    for p in op.parameters:
        if p.location == "path":
            continue
        value = arguments.get(p.argument)
        if value is None:
            if p.required:
                raise _invalid(p.argument, f"the {p.location} parameter {p.name} is required")
            continue
        if p.location == "query":
            _own_keys_only(p, value, taken["query"])
            query.extend(_query(p, value))
        else:
            headers[p.name] = _header(p, value)
    target = path + ("?" + "&".join(query) if query else "")
    request = OutboundRequest(method=op.method, origin=f"{base.scheme}://{base.netloc}", target=target)
    request.headers.update(headers)
    if op.body is not None:
        _body(request, op.body, arguments)
    return request


def _taken_names(op: PartnerOperation) -> dict[str, frozenset[str]]:
    """Names, per location, that only the operation's own bindings and the gateway may set: every
    declared parameter and the API key's name (lower-cased: servers differ on case)."""
    names: dict[str, set[str]] = {"query": set(), "path": set()}
    for p in op.parameters:
        names.setdefault(p.location, set()).add(p.name.lower())
    if isinstance(op.auth, ApiKeyAuth) and op.auth.location == "query":
        names["query"].add(op.auth.name.lower())
    return {k: frozenset(v) for k, v in names.items()}


def _own_keys_only(p: ParameterBinding, value: Any, taken: frozenset[str]) -> None:
    """An object exploded into name=value pairs (form or matrix style) may not pose as a declared
    parameter or the API key: `{"api_key": "ATTACKER"}` would reach the partner beside the real one."""
    if not (isinstance(value, dict) and p.explode and p.style in ("form", "matrix")):
        return
    for key in value:
        if str(key).lower() in taken:
            raise ValidationFailed(
                f"{p.argument}: the key {str(key)[:64]!r} may not set a parameter the operation declares "
                "or the gateway sets",
                errors=[
                    ProblemItem(
                        pointer=json_pointer(["arguments", p.argument, str(key)]),
                        message="names a parameter this object may not set",
                    )
                ],
            )


def _invalid(argument: str, message: str) -> ValidationFailed:
    pointer = json_pointer(["arguments", argument])
    return ValidationFailed(f"{pointer}: {message}", errors=[ProblemItem(pointer=pointer, message=message)])


def _enc(text: str, *, allow_reserved: bool = False) -> str:
    return quote(text, safe=_RESERVED_OK if allow_reserved else "")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _pairs(value: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(k), _text(v)) for k, v in value.items() if v is not None]


# --- path ---


def _path(base_path: str, op: PartnerOperation, arguments: dict[str, Any]) -> str:
    bindings = {p.name: p for p in op.parameters if p.location == "path"}

    def substitute(match: re.Match[str]) -> str:
        binding = bindings.get(match.group(1))
        if binding is None:
            raise ConfigurationError(f"{op.operation_id}: no binding for path variable {match.group(1)}")
        value = arguments.get(binding.argument)
        if value is None or value == "" or value == [] or value == {}:
            raise _invalid(binding.argument, f"the path parameter {binding.name} needs a value")
        return _path_value(binding, value, taken)

    taken = frozenset(p.name.lower() for p in op.parameters if p.location == "path")
    return base_path + _TEMPLATE_VAR.sub(substitute, op.path)


def _path_value(p: ParameterBinding, value: Any, taken: frozenset[str] = frozenset()) -> str:
    _own_keys_only(p, value, taken)
    prefix = {"label": ".", "matrix": f";{_enc(p.name)}="}.get(p.style, "")
    joiner = {"label": ".", "matrix": f";{_enc(p.name)}="}.get(p.style, ",") if p.explode else ","
    if isinstance(value, list):
        out = prefix + joiner.join(_enc(_text(v)) for v in value)
    elif isinstance(value, dict):
        if p.explode:
            sep = {"label": ".", "matrix": ";"}.get(p.style, ",")
            lead = {"label": ".", "matrix": ";"}.get(p.style, "")
            out = lead + sep.join(f"{_enc(k)}={_enc(v)}" for k, v in _pairs(value))
        else:
            out = prefix + ",".join(f"{_enc(k)},{_enc(v)}" for k, v in _pairs(value))
    else:
        text = _enc(_text(value))
        if text.strip(".") == "":
            raise _invalid(p.argument, f"the path parameter {p.name} may not be '.' or '..'")
        out = prefix + text
    return out


# --- query ---


def _query(p: ParameterBinding, value: Any) -> list[str]:
    name = _enc(p.name)

    def enc(text: str) -> str:
        return _enc(text, allow_reserved=p.allow_reserved)

    if p.style == "deepObject":
        if not isinstance(value, dict):
            raise _invalid(p.argument, f"the deepObject parameter {p.name} must be an object")
        return [f"{name}%5B{_enc(k)}%5D={enc(v)}" for k, v in _pairs(value)]
    if isinstance(value, list):
        items = [_text(v) for v in value]
        if p.explode:
            return [f"{name}={enc(v)}" for v in items]
        delimiter = {"spaceDelimited": "%20", "pipeDelimited": "%7C"}.get(p.style, ",")
        return [f"{name}=" + delimiter.join(enc(v) for v in items)]
    if isinstance(value, dict):
        if p.explode:
            return [f"{_enc(k)}={enc(v)}" for k, v in _pairs(value)]
        delimiter = {"spaceDelimited": "%20", "pipeDelimited": "%7C"}.get(p.style, ",")
        return [f"{name}=" + delimiter.join(f"{enc(k)}{delimiter}{enc(v)}" for k, v in _pairs(value))]
    return [f"{name}={enc(_text(value))}"]


# --- headers and body ---


def _header(p: ParameterBinding, value: Any) -> str:
    if not _HEADER_NAME.match(p.name) or p.name.lower() in GATEWAY_HEADERS:
        raise ConfigurationError(f"the header parameter {p.name!r} cannot be set from arguments")
    if isinstance(value, list):
        text = ",".join(_text(v) for v in value)
    elif isinstance(value, dict):
        text = ",".join(f"{k}={v}" if p.explode else f"{k},{v}" for k, v in _pairs(value))
    else:
        text = _text(value)
    if not _HEADER_VALUE.match(text):
        raise _invalid(p.argument, f"the header {p.name} may hold only printable ASCII (no CR, LF or NUL)")
    return text


def _body(request: OutboundRequest, body: BodyBinding, arguments: dict[str, Any]) -> None:
    if body.argument is not None:
        payload = arguments.get(body.argument)
        if payload is None and body.required:
            raise _invalid(body.argument, "the request body is required")
    else:
        payload = {k: arguments[k] for k in body.properties if k in arguments}
    if payload is None:
        return
    request.headers["Content-Type"] = body.media_type
    if body.media_type == "application/json":
        request.body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return
    if not isinstance(payload, dict):
        raise _invalid(body.argument or "", "a form body must be an object")
    request.body = urlencode(list(_form_pairs(payload))).encode("ascii")


def _form_pairs(payload: dict[str, Any]) -> Iterable[tuple[str, str]]:
    for key, value in payload.items():
        if value is None:
            continue
        if isinstance(value, list):
            yield from ((key, _text(v)) for v in value)
        else:
            yield key, _text(value)
