"""Read a partner's OpenAPI document: JSON object or JSON/YAML text, size-capped, OpenAPI 3.0 or 3.1 only.

The result is plain JSON data (string keys, no shared or cyclic nodes): YAML aliases are refused,
because a document that shares nodes can expand exponentially when walked (a "billion laughs").
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import yaml

from cockpit import jsondepth
from cockpit.errors import InvalidContract, PayloadTooLarge, ProblemItem

MAX_DEPTH = 120
_VERSION = re.compile(r"^3\.[01]\.\d+")
_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def refuse(message: str, pointer: str = "/openapi") -> InvalidContract:
    return InvalidContract(f"{pointer}: {message}", errors=[ProblemItem(pointer=pointer, message=message)])


def load(openapi: Any, *, max_bytes: int) -> dict[str, Any]:
    """The document as JSON data, or 413 (too large) / 422 (not JSON/YAML, not OpenAPI 3)."""
    seen: set[int] | None = None  # parsed JSON shares no nodes (a cycle still ends at MAX_DEPTH)
    if isinstance(openapi, str):
        size = len(openapi.encode())
        if size > max_bytes:
            raise PayloadTooLarge(
                f"the OpenAPI document has {size} bytes; the limit is {max_bytes}",
                errors=[ProblemItem(pointer="/openapi", message=f"over {max_bytes} bytes")],
            )
        openapi, seen = parse_text(openapi), set()
    if not isinstance(openapi, dict):
        raise refuse("must be an OpenAPI document: a JSON object, or a string holding JSON or YAML")
    doc: dict[str, Any] = plain(openapi, 0, seen)
    check_version(doc)
    return doc


def parse_text(text: str) -> Any:
    if jsondepth.deeper_than(text, MAX_DEPTH):  # json.loads recurses per level: refused before it
        raise refuse(f"nests deeper than {MAX_DEPTH} levels")
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise refuse(f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader (C or pure Python)
    except RecursionError:  # block-style nesting (indentation, no brackets); libyaml stops at 1000
        raise refuse(f"nests deeper than {MAX_DEPTH} levels") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise refuse(f"is not valid YAML: {exc.problem or exc.context}{where}") from None
    except yaml.YAMLError as exc:
        raise refuse(f"is not valid YAML: {exc}") from None


def plain(value: Any, depth: int, seen: set[int] | None = None) -> Any:
    """A JSON-data copy: string keys, dates as ISO text; deep nesting refused, and (with `seen`, for
    YAML) shared nodes, which only anchors and aliases make."""
    if depth > MAX_DEPTH:
        raise refuse(f"nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict | list):
        if seen is not None:
            if id(value) in seen:
                raise refuse("uses YAML anchors/aliases; expand them (or send JSON)")
            seen.add(id(value))
        if isinstance(value, dict):
            return {str(k): plain(v, depth + 1, seen) for k, v in value.items()}
        return [plain(v, depth + 1, seen) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise refuse(f"holds a value JSON cannot carry ({type(value).__name__})")


def check_version(doc: dict[str, Any]) -> None:
    if "swagger" in doc:
        raise refuse(
            f"is Swagger {doc.get('swagger')}; only OpenAPI 3.0 and 3.1 are accepted. Convert it to "
            "OpenAPI 3 (for example with swagger2openapi, or the Swagger Editor's 'Convert to OpenAPI 3') "
            "and register again",
            "/openapi/swagger",
        )
    version = doc.get("openapi")
    if isinstance(version, str) and version.startswith("3.2"):
        raise refuse(
            f"is OpenAPI {version}; the gateway reads 3.0 and 3.1. If the document uses no 3.2 "
            "features, declare openapi: 3.1.1",
            "/openapi/openapi",
        )
    if version is None:
        raise refuse(
            f"is not an OpenAPI 3 document ({_kind(doc)}); describe the service in OpenAPI 3.0 or "
            "3.1 (converters exist for Postman collections, RAML and API Blueprint)",
            "/openapi",
        )
    if not isinstance(version, str) or not _VERSION.match(version):
        raise refuse(f"must declare openapi 3.0.x or 3.1.x, not {version!r}", "/openapi/openapi")
    if not isinstance(doc.get("paths"), dict) or not doc["paths"]:
        raise refuse("has no paths: nothing to turn into tools", "/openapi/paths")


def _kind(doc: dict[str, Any]) -> str:
    if "asyncapi" in doc:
        return "it is AsyncAPI, which describes message channels, not request/response operations"
    info = doc.get("info")
    if isinstance(info, dict) and "_postman_id" in info:
        return "it is a Postman collection"
    return "it has no openapi field"
