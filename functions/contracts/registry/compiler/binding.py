"""One operation → its tool's input schema (parameters + body), output schema, and HTTP binding."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from cockpit.partners.model import BodyBinding, ParameterBinding
from registry.compiler.operations import Operation
from registry.compiler.problems import Problems
from registry.compiler.refs import Refs
from registry.compiler.schemas import NESTED_DESCRIPTION_LIMIT, Schemas, trim

MAX_SCHEMA_BYTES = 64 * 1024
ARGUMENT = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")  # property keys every model provider accepts
_UNSAFE_ARG = re.compile(r"[^A-Za-z0-9_.-]+")
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})  # OpenAPI: ignored if declared
_STYLES = {
    "path": {"simple", "label", "matrix"},
    "query": {"form", "spaceDelimited", "pipeDelimited", "deepObject"},
    "header": {"simple"},
}
_TEMPLATE_VARIABLE = re.compile(r"{([^{}]+)}")
FORM: Final = "application/x-www-form-urlencoded"


class Unsupported(Exception):
    """The operation cannot be offered as a tool (the reason says why)."""


def json_media(content: dict[str, Any]) -> str | None:
    for media in content:
        base = media.split(";")[0].strip().lower()
        if base == "application/json" or base.endswith("+json"):
            return media
    return None


def is_object(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    if kind == "object":
        return True
    if kind is not None or "$ref" in schema:
        return False
    parts = schema.get("allOf")
    if isinstance(parts, list) and parts:
        return all(is_object(p) for p in parts)
    return "properties" in schema


@dataclass
class Arguments:
    """The tool's input properties as they are assigned, each name once."""

    properties: dict[str, Any] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)

    def free_name(self, wanted: str, suffix: str) -> str:
        name = _UNSAFE_ARG.sub("_", wanted).strip("_")[:64] or suffix
        if name in self.properties:
            name = f"{name[: 63 - len(suffix)]}_{suffix}"
        n = 2
        base = name
        while name in self.properties:
            name, n = f"{base[:60]}_{n}", n + 1
        return name

    def add(self, name: str, schema: Any, *, required: bool) -> None:
        self.properties[name] = schema
        if required:
            self.required.append(name)

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "object", "properties": self.properties}
        if self.required:
            out["required"] = self.required
        out["additionalProperties"] = False
        return out


@dataclass(frozen=True)
class Built:
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None
    parameters: tuple[ParameterBinding, ...]
    body: BodyBinding | None
    response_media_type: str | None
    result_property: str | None


class Binder:
    def __init__(
        self,
        refs: Refs,
        problems: Problems,
        request: Schemas,
        response: Schemas,
        reserved: frozenset[tuple[str, str]],
    ) -> None:
        self.refs, self.problems = refs, problems
        self.request, self.response = request, response
        self.reserved = reserved

    def parameters(self, op: Operation) -> list[tuple[dict[str, Any], list[Any]]]:
        """Path-level then operation-level parameters (the latter override by name and location)."""
        merged: dict[tuple[str, str], tuple[dict[str, Any], list[Any]]] = {}
        sources = [
            (op.path_parameters, ["paths", op.path, "parameters"]),
            (op.raw.get("parameters") or [], [*op.where, "parameters"]),
        ]
        for params, base in sources:
            for i, raw in enumerate(params if isinstance(params, list | tuple) else []):
                param, _ = self.refs.follow(raw, [*base, i])
                if not isinstance(param, dict):
                    continue
                name, where = param.get("name"), param.get("in")
                if not isinstance(name, str) or where not in ("path", "query", "header", "cookie"):
                    self.problems.error(
                        [*base, i], "a Parameter needs a name and in: path|query|header|cookie"
                    )
                    continue
                merged[(where, name)] = (param, [*base, i])
        return list(merged.values())

    def schema_roots(self, op: Operation) -> tuple[list[tuple[list[Any], Any]], list[tuple[list[Any], Any]]]:
        """The raw schemas an operation uses, for requests and for responses (to prepare the converters)."""
        request = [(path, _param_schema(p)) for p, path in self.parameters(op)]
        body, _ = self.refs.follow(op.raw.get("requestBody"), [*op.where, "requestBody"])
        if isinstance(body, dict) and isinstance(body.get("content"), dict):
            request += [
                ([*op.where, "requestBody", "content", m, "schema"], c.get("schema"))
                for m, c in body["content"].items()
                if isinstance(c, dict)
            ]
        response = []
        code, raw = _success(op)
        if code is not None:
            resp, _ = self.refs.follow(raw, [*op.where, "responses", code])
            if isinstance(resp, dict) and isinstance(resp.get("content"), dict):
                response += [
                    ([*op.where, "responses", code, "content", m, "schema"], c.get("schema"))
                    for m, c in resp["content"].items()
                    if isinstance(c, dict)
                ]
        return [r for r in request if r[1] is not None], [r for r in response if r[1] is not None]

    def build(self, op: Operation) -> Built:
        args = Arguments()
        bindings = [b for p, path in self.parameters(op) if (b := self._parameter(op, p, path, args))]
        declared = {b.name for b in bindings if b.location == "path"}
        for variable in _TEMPLATE_VARIABLE.findall(op.path):
            if variable not in declared:
                raise Unsupported(f"path variable {{{variable}}} has no path parameter")
        body = self._body(op, args)
        output, media, wrap = self._output(op)
        input_schema = self.request.with_defs(args.schema())
        if len(json.dumps(input_schema)) > MAX_SCHEMA_BYTES:
            raise Unsupported(f"its input schema is over {MAX_SCHEMA_BYTES} bytes; simplify it")
        if output is not None and len(json.dumps(output)) > MAX_SCHEMA_BYTES:
            self.problems.warn(op.where, f"output schema over {MAX_SCHEMA_BYTES} bytes; results not checked")
            output = None
        return Built(input_schema, output, tuple(bindings), body, media, wrap)

    def _parameter(
        self, op: Operation, param: dict[str, Any], path: list[Any], args: Arguments
    ) -> ParameterBinding | None:
        name, where = str(param["name"]), str(param["in"])
        required = where == "path" or param.get("required") is True
        skip = self._skipped(where, name, required)
        if skip:
            self.problems.warn(path, skip)
            return None
        style = str(param.get("style") or ("form" if where == "query" else "simple"))
        if style not in _STYLES[where]:
            raise Unsupported(f"parameter {name!r} has style {style!r}, not valid in {where}")
        schema = self.request.node(_param_schema(param) or {}, [*path, "schema"])
        if (
            isinstance(param.get("description"), str)
            and isinstance(schema, dict)
            and "description" not in schema
        ):
            schema = {**schema, "description": trim(param["description"], NESTED_DESCRIPTION_LIMIT)}
        argument = args.free_name(name, where)
        args.add(argument, schema, required=required)
        explode = param.get("explode")
        return ParameterBinding(
            name=name,
            location=where,
            argument=argument,
            required=required,
            style=style,
            explode=bool(explode) if explode is not None else style == "form",
            allow_reserved=param.get("allowReserved") is True,
        )

    def _skipped(self, where: str, name: str, required: bool) -> str | None:
        if where == "cookie":
            if required:
                raise Unsupported(f"required cookie parameter {name!r}: cookies are not supported")
            return f"cookie parameter {name!r} is not supported; left out"
        if where == "header" and name.lower() in _IGNORED_HEADERS:
            return f"header {name!r} is set by the gateway; left out"
        if (where, name.lower()) in self.reserved:
            return f"{where} parameter {name!r} carries the contract's credentials; the gateway sets it"
        return None

    def _body(self, op: Operation, args: Arguments) -> BodyBinding | None:
        raw, _ = self.refs.follow(op.raw.get("requestBody"), [*op.where, "requestBody"])
        if not isinstance(raw, dict):
            return None
        content = _content(raw)
        required = raw.get("required") is True
        media = json_media(content) or (FORM if FORM in content else None)
        if media is None:
            if required:
                raise Unsupported(f"its request body is {', '.join(content) or 'empty'}; only JSON or form")
            self.problems.warn([*op.where, "requestBody"], "request body media type not supported; left out")
            return None
        where = [*op.where, "requestBody", "content", media, "schema"]
        schema = self.request.root(content[media].get("schema") or {}, where)
        kind: Literal["application/json", "application/x-www-form-urlencoded"] = (
            "application/json" if media != FORM else FORM
        )
        if self._spreadable(schema, args):
            wanted = set(schema.get("required") or []) if required else set()
            for prop, sub in schema["properties"].items():
                args.add(prop, sub, required=prop in wanted)
            return BodyBinding(media_type=kind, required=required, properties=tuple(schema["properties"]))
        argument = args.free_name("body", "body")
        args.add(argument, schema, required=required)
        return BodyBinding(media_type=kind, required=required, argument=argument)

    @staticmethod
    def _spreadable(schema: Any, args: Arguments) -> bool:
        if (
            not is_object(schema)
            or not isinstance(schema.get("properties"), dict)
            or not schema["properties"]
        ):
            return False
        if any(k in schema for k in ("allOf", "anyOf", "oneOf", "not", "patternProperties", "if")):
            return False
        if schema.get("additionalProperties") not in (None, False):
            return False
        props = schema["properties"]
        return all(ARGUMENT.match(p) and p not in args.properties for p in props)

    def _output(self, op: Operation) -> tuple[dict[str, Any] | None, str | None, str | None]:
        code, raw = _success(op)
        if code is None:
            return None, None, None
        resp, _ = self.refs.follow(raw, [*op.where, "responses", code])
        content = _content(resp)
        media = json_media(content)
        if media is None:
            return None, (next(iter(content)) if content else None), None
        where = [*op.where, "responses", code, "content", media, "schema"]
        schema = self.response.root(content[media].get("schema") or {}, where)
        if is_object(schema):  # MCP wants "type": "object" at an output schema's root
            return self.response.with_defs({"type": "object", **schema}), media, None
        wrapped = {"type": "object", "properties": {"data": schema}, "required": ["data"]}
        return self.response.with_defs(wrapped), media, "data"


def _content(obj: Any) -> dict[str, dict[str, Any]]:
    """A Request Body's or Response's media types that carry an object."""
    content = obj.get("content") if isinstance(obj, dict) else None
    if not isinstance(content, dict):
        return {}
    return {str(k): v for k, v in content.items() if isinstance(v, dict)}


def _param_schema(param: dict[str, Any]) -> Any:
    if "schema" in param:
        return param["schema"]
    content = param.get("content")
    if isinstance(content, dict) and content:
        first = next(iter(content.values()))
        return first.get("schema") if isinstance(first, dict) else None
    return None


def _success(op: Operation) -> tuple[str | None, Any]:
    responses = op.raw.get("responses")
    if not isinstance(responses, dict):
        return None, None
    codes = sorted(c for c in responses if re.fullmatch(r"2\d\d", c)) + [
        c for c in responses if c in ("2XX", "2xx")
    ]
    return (codes[0], responses[codes[0]]) if codes else (None, None)
