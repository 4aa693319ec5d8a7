"""template.yaml as a typed model: what the local runtime serves (functions, API routes, authorizers)
and provisions (tables, secrets, SSM parameters). Everything comes from the template itself.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit_dev.cfn import Resolver, TemplateError, is_intrinsic, load_yaml

__all__ = [
    "Api",
    "Authorizer",
    "Bucket",
    "Function",
    "GatewayResponse",
    "GeneratedSecret",
    "Index",
    "Route",
    "Secret",
    "SsmParameter",
    "Table",
    "Template",
    "TemplateError",
    "load_template",
    "load_yaml",
    "parse_template",
]

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "000000000000"
DEFAULT_STACK_NAME = "cockpit-local"
IMPLICIT_API = "ServerlessRestApi"

_FUNCTION_TYPES = {"AWS::Serverless::Function", "AWS::Lambda::Function"}
_API_TYPES = {"AWS::Serverless::Api", "AWS::ApiGateway::RestApi"}
_TABLE_TYPE = "AWS::DynamoDB::Table"
_SECRET_TYPE = "AWS::SecretsManager::Secret"  # noqa: S105 - a resource type
_SSM_TYPE = "AWS::SSM::Parameter"
_BUCKET_TYPE = "AWS::S3::Bucket"
_LAYER_TYPES = {"AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"}


@dataclass(frozen=True)
class Function:
    logical_id: str
    name: str
    arn: str
    code_uri: Path
    handler: str
    runtime: str
    timeout: int
    memory: int
    environment: dict[str, str]
    layers: tuple[Path, ...] = ()
    alias: str | None = None  # AutoPublishAlias: callers name `function:alias`, served by the same code

    def answers_to(self, qualifier: str | None) -> bool:
        """Whether an invocation qualified so reaches this function (locally: $LATEST or its alias)."""
        return qualifier in (None, "$LATEST") or (self.alias is not None and qualifier == self.alias)


@dataclass(frozen=True)
class Authorizer:
    name: str
    function: str
    identity_header: str = "Authorization"
    reauthorize_seconds: int = 300
    validation_expression: str | None = None


@dataclass(frozen=True)
class GatewayResponse:
    status: int | None
    headers: dict[str, str]
    body: str | None


@dataclass(frozen=True)
class Api:
    logical_id: str
    api_id: str
    name: str
    stage: str
    default_authorizer: str | None
    authorizers: dict[str, Authorizer]
    gateway_responses: dict[str, GatewayResponse]


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    function: str
    api: str
    authorizer: str | None
    event: str


@dataclass(frozen=True)
class Index:
    name: str
    key_schema: tuple[tuple[str, str], ...]
    projection: dict[str, Any]


@dataclass(frozen=True)
class Table:
    logical_id: str
    name: str
    key_schema: tuple[tuple[str, str], ...]
    attributes: dict[str, str]
    global_indexes: tuple[Index, ...] = ()
    local_indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None


@dataclass(frozen=True)
class GeneratedSecret:
    template: str | None = None
    key: str | None = None
    length: int = 32
    exclude_characters: str = ""
    exclude_punctuation: bool = False
    exclude_uppercase: bool = False
    exclude_lowercase: bool = False
    exclude_numbers: bool = False
    include_space: bool = False
    require_each_included_type: bool = True


@dataclass(frozen=True)
class Secret:
    logical_id: str
    name: str
    arn: str
    description: str
    secret_string: str | None
    generate: GeneratedSecret | None


@dataclass(frozen=True)
class SsmParameter:
    logical_id: str
    name: str
    type: str
    value: str
    description: str


@dataclass(frozen=True)
class Bucket:
    logical_id: str
    name: str
    versioned: bool = False
    encryption: str | None = None  # the default SSE algorithm (AES256, aws:kms)
    public_access_block: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Template:
    path: Path
    stack_name: str
    region: str
    account_id: str
    parameters: dict[str, str]
    conditions: dict[str, bool]
    functions: dict[str, Function]
    apis: dict[str, Api]
    routes: tuple[Route, ...]
    tables: dict[str, Table]
    secrets: dict[str, Secret]
    ssm_parameters: dict[str, SsmParameter]
    outputs: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, Bucket] = field(default_factory=dict)

    def function_named(self, name_or_arn: str) -> Function | None:
        """The function called `name_or_arn` (its name, logical id, ARN, or partial ARN)."""
        name, qualifier = name_or_arn, None
        if ":" in name:
            parts = name.split(":")
            after = parts[parts.index("function") + 1 :] if "function" in parts else []
            if not after or len(after) > 2:
                return None
            name, qualifier = after[0], (after[1] if len(after) == 2 else None)
        for function in self.functions.values():
            if name in (function.name, function.logical_id):
                return function if function.answers_to(qualifier) else None
        return None


def load_template(
    path: Path | str,
    *,
    parameters: Mapping[str, str] | None = None,
    stack_name: str = DEFAULT_STACK_NAME,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    physical_ids: Mapping[str, str] | None = None,
) -> Template:
    """Read and resolve a template file. `physical_ids` overrides what Ref returns for a resource
    (e.g. a secret's ARN as the AWS endpoint created it)."""
    path = Path(path).resolve()
    return parse_template(
        load_yaml(path),
        path=path,
        parameters=parameters,
        stack_name=stack_name,
        region=region,
        account_id=account_id,
        physical_ids=physical_ids,
    )


def parse_template(
    document: Mapping[str, Any],
    *,
    path: Path,
    parameters: Mapping[str, str] | None = None,
    stack_name: str = DEFAULT_STACK_NAME,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    physical_ids: Mapping[str, str] | None = None,
) -> Template:
    """Resolve an already-loaded template document; relative CodeUris are taken from path's folder."""
    builder = _Builder(document, path, stack_name, region, account_id, physical_ids or {})
    return builder.build(_parameter_values(document.get("Parameters") or {}, parameters or {}))


# -- parameters -----------------------------------------------------------------------------------


def _parameter_values(declared: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(f"parameters not declared in the template: {', '.join(unknown)}")
    values: dict[str, str] = {}
    for name, spec in declared.items():
        if name in overrides:
            value = str(overrides[name])
        elif "Default" in spec:
            value = _scalar(spec["Default"])
        else:
            raise TemplateError(f"parameter {name} has no default: pass --parameter {name}=VALUE")
        _check_parameter(name, spec, value)
        values[name] = value
    return values


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_scalar(item) for item in value)
    return str(value)


def _check_parameter(name: str, spec: Mapping[str, Any], value: str) -> None:
    allowed = [_scalar(item) for item in spec.get("AllowedValues") or []]
    if allowed and value not in allowed:
        raise TemplateError(f"parameter {name}={value!r} is not one of {allowed}")
    pattern = spec.get("AllowedPattern")
    if pattern and not re.fullmatch(str(pattern), value):
        raise TemplateError(f"parameter {name}={value!r} does not match {pattern}")
    if spec.get("Type") == "Number":
        _check_number(name, spec, value)
    if not int(spec.get("MinLength", 0)) <= len(value) <= int(spec.get("MaxLength", len(value))):
        raise TemplateError(f"parameter {name}={value!r} has a length outside MinLength/MaxLength")


def _check_number(name: str, spec: Mapping[str, Any], value: str) -> None:
    try:
        number = float(value)
    except ValueError:
        raise TemplateError(f"parameter {name}={value!r} is not a number") from None
    if "MinValue" in spec and number < float(spec["MinValue"]):
        raise TemplateError(f"parameter {name}={value} is below MinValue {spec['MinValue']}")
    if "MaxValue" in spec and number > float(spec["MaxValue"]):
        raise TemplateError(f"parameter {name}={value} is above MaxValue {spec['MaxValue']}")


def _typed_parameter(spec: Mapping[str, Any], value: str) -> Any:
    kind = str(spec.get("Type", "String"))
    if kind == "CommaDelimitedList" or kind.startswith("List<"):
        return [item.strip() for item in value.split(",")] if value else []
    return value


# -- merging Globals ------------------------------------------------------------------------------


def merge_globals(global_props: Mapping[str, Any], local_props: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rules: maps merge (the resource wins), lists add up, anything else is overridden."""
    merged: dict[str, Any] = dict(global_props)
    for key, local in local_props.items():
        current = merged.get(key)
        if (
            isinstance(current, dict)
            and isinstance(local, dict)
            and not (is_intrinsic(current) or is_intrinsic(local))
        ):
            merged[key] = merge_globals(current, local)
        elif isinstance(current, list) and isinstance(local, list):
            merged[key] = current + local
        else:
            merged[key] = local
    return merged


# -- the builder ----------------------------------------------------------------------------------


class _Builder:
    def __init__(
        self,
        document: Mapping[str, Any],
        path: Path,
        stack_name: str,
        region: str,
        account_id: str,
        physical_ids: Mapping[str, str],
    ) -> None:
        self.document = document
        self.path = path
        self.base_dir = path.parent
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        self.physical_ids = physical_ids
        self.resources: dict[str, Any] = dict(document.get("Resources") or {})
        self.globals: dict[str, Any] = dict(document.get("Globals") or {})
        self._ref_cache: dict[str, str] = {}
        self._in_progress: set[str] = set()
        self.resolver: Resolver

    def build(self, parameter_values: dict[str, str]) -> Template:
        declared = self.document.get("Parameters") or {}
        typed = {name: _typed_parameter(declared[name], value) for name, value in parameter_values.items()}
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/local"
            ),
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
        }
        self.resolver = Resolver(
            parameters={**typed, **pseudo},
            condition_definitions=self.document.get("Conditions") or {},
            mappings=self.document.get("Mappings") or {},
            region=self.region,
            ref_resource=self.ref,
            get_att=self.get_att,
        )
        conditions = self.resolver.all_conditions()
        self.resources = {
            lid: res
            for lid, res in self.resources.items()
            if isinstance(res, dict) and ("Condition" not in res or conditions[str(res["Condition"])])
        }
        functions = {lid: self.function(lid) for lid in self._of_type(_FUNCTION_TYPES)}
        routes = tuple(route for lid in functions for route in self.routes_of(lid))
        apis = {lid: self.api(lid) for lid in self._of_type(_API_TYPES)}
        if any(route.api == IMPLICIT_API for route in routes):
            apis[IMPLICIT_API] = self.api(IMPLICIT_API)
        return Template(
            path=self.path,
            stack_name=self.stack_name,
            region=self.region,
            account_id=self.account_id,
            parameters=parameter_values,
            conditions=conditions,
            functions=functions,
            apis=apis,
            routes=self._with_authorizers(routes, apis),
            tables={lid: self.table(lid) for lid in self._of_type({_TABLE_TYPE})},
            secrets={lid: self.secret(lid) for lid in self._of_type({_SECRET_TYPE})},
            ssm_parameters={lid: self.ssm_parameter(lid) for lid in self._of_type({_SSM_TYPE})},
            outputs=self.outputs(),
            buckets={lid: self.bucket(lid) for lid in self._of_type({_BUCKET_TYPE})},
        )

    def _of_type(self, types: set[str]) -> list[str]:
        return [lid for lid, res in self.resources.items() if res.get("Type") in types]

    def _type(self, logical_id: str) -> str:
        if logical_id == IMPLICIT_API:
            return "AWS::Serverless::Api"
        resource = self.resources.get(logical_id)
        if resource is None:
            raise TemplateError(f"unknown resource or parameter {logical_id!r}")
        return str(resource.get("Type"))

    def props(self, logical_id: str) -> dict[str, Any]:
        """A resource's raw Properties, with Globals merged in for functions and APIs."""
        if logical_id == IMPLICIT_API:
            return merge_globals(self.globals.get("Api") or {}, {"StageName": "Prod"})
        raw = dict(self.resources[logical_id].get("Properties") or {})
        kind = self._type(logical_id)
        if kind == "AWS::Serverless::Function":
            return merge_globals(self.globals.get("Function") or {}, raw)
        if kind == "AWS::Serverless::Api":
            return merge_globals(self.globals.get("Api") or {}, raw)
        return raw

    def prop_str(self, logical_id: str, name: str, default: str | None = None) -> str:
        raw = self.props(logical_id).get(name)
        if raw is None:
            if default is None:
                raise TemplateError(f"{logical_id} has no {name}")
            return default
        value: str = self.resolver.resolve_str(raw, f"{logical_id}.{name}")
        return value

    # -- Ref and GetAtt ---------------------------------------------------------------------------

    def ref(self, logical_id: str) -> str:
        function_id, dot, attribute = logical_id.partition(".")
        if dot and attribute == "Alias" and self._type(function_id) in _FUNCTION_TYPES:
            return self._alias_arn(function_id)
        if logical_id in self.physical_ids:
            return self.physical_ids[logical_id]
        if logical_id not in self._ref_cache:
            if logical_id in self._in_progress:
                raise TemplateError(f"circular reference through {logical_id}")
            self._in_progress.add(logical_id)
            try:
                self._ref_cache[logical_id] = self._physical_id(logical_id)
            finally:
                self._in_progress.discard(logical_id)
        return self._ref_cache[logical_id]

    def _alias_arn(self, function_id: str) -> str:
        """`!Ref Function.Alias`, as SAM resolves it for AutoPublishAlias: the alias's ARN."""
        alias = self.prop_str(function_id, "AutoPublishAlias", "")
        if not alias:
            raise TemplateError(f"Ref {function_id}.Alias: {function_id} has no AutoPublishAlias")
        return f"{self.get_att(function_id, 'Arn')}:{alias}"

    def _physical_id(self, logical_id: str) -> str:
        kind = self._type(logical_id)
        default_name = f"{self.stack_name}-{logical_id}"
        if kind in _FUNCTION_TYPES:
            return self.prop_str(logical_id, "FunctionName", logical_id)
        if kind == _TABLE_TYPE:
            return self.prop_str(logical_id, "TableName", default_name)
        if kind == _SECRET_TYPE:
            name = self.prop_str(logical_id, "Name", default_name)
            return f"arn:aws:secretsmanager:{self.region}:{self.account_id}:secret:{name}"
        if kind == _SSM_TYPE:
            return self.prop_str(logical_id, "Name", f"/{self.stack_name}/{logical_id}")
        if kind == _BUCKET_TYPE:  # S3 names are lower case, at most 63 characters
            return self.prop_str(logical_id, "BucketName", default_name.lower()[:63])
        if kind in _API_TYPES:
            return hashlib.sha256(f"{self.stack_name}/{logical_id}".encode()).hexdigest()[:10]
        if kind in _LAYER_TYPES:
            name = self.prop_str(logical_id, "LayerName", default_name)
            return f"arn:aws:lambda:{self.region}:{self.account_id}:layer:{name}:1"
        return default_name

    def get_att(self, logical_id: str, attribute: str) -> str:
        kind = self._type(logical_id)
        ref = self.ref(logical_id)
        arn_prefix = f"arn:aws:{{}}:{self.region}:{self.account_id}:"
        known: dict[tuple[str, str], str] = {
            ("AWS::Serverless::Function", "Arn"): arn_prefix.format("lambda") + f"function:{ref}",
            ("AWS::Lambda::Function", "Arn"): arn_prefix.format("lambda") + f"function:{ref}",
            (_TABLE_TYPE, "Arn"): arn_prefix.format("dynamodb") + f"table/{ref}",
            (_TABLE_TYPE, "StreamArn"): arn_prefix.format("dynamodb") + f"table/{ref}/stream/local",
            (_SSM_TYPE, "Value"): self.prop_str(logical_id, "Value", "") if kind == _SSM_TYPE else "",
            (_SSM_TYPE, "Type"): "String",
            (_BUCKET_TYPE, "Arn"): f"arn:aws:s3:::{ref}",
            ("AWS::Serverless::Api", "RootResourceId"): "root",
            ("AWS::ApiGateway::RestApi", "RootResourceId"): "root",
        }
        if (kind, attribute) in known:
            return known[(kind, attribute)]
        if attribute == "Arn":  # a generic ARN for resource types the runtime does not emulate
            service = kind.split("::")[1].lower() if kind.count("::") == 2 else "unknown"
            return arn_prefix.format(service) + ref
        raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute} is not supported by the local runtime")

    # -- resources --------------------------------------------------------------------------------

    def function(self, logical_id: str) -> Function:
        props = self.props(logical_id)
        if props.get("PackageType") == "Image" or "InlineCode" in props:
            raise TemplateError(f"{logical_id}: only zip functions with a local CodeUri are supported")
        code_uri = self.resolver.resolve(props.get("CodeUri", "."))
        if not isinstance(code_uri, str):
            raise TemplateError(f"{logical_id}: CodeUri must be a local folder, got {code_uri!r}")
        variables = (props.get("Environment") or {}).get("Variables") or {}
        environment = {
            str(key): self.resolver.resolve_str(value, f"{logical_id} environment {key}")
            for key, value in self.resolver.resolve(variables).items()
        }
        return Function(
            logical_id=logical_id,
            name=self.ref(logical_id),
            arn=self.get_att(logical_id, "Arn"),
            code_uri=(self.base_dir / code_uri).resolve(),
            handler=self.prop_str(logical_id, "Handler"),
            runtime=self.prop_str(logical_id, "Runtime", "python3.13"),
            timeout=int(self.prop_str(logical_id, "Timeout", "3")),
            memory=int(self.prop_str(logical_id, "MemorySize", "128")),
            environment=environment,
            layers=self._layer_paths(props.get("Layers") or []),
            alias=self.prop_str(logical_id, "AutoPublishAlias", "") or None,
        )

    def _layer_paths(self, layers: list[Any]) -> tuple[Path, ...]:
        """Local layers (Ref to a LayerVersion of this template) → their content folders."""
        paths: list[Path] = []
        for layer in layers:
            target = layer.get("Ref") if isinstance(layer, dict) else None
            if isinstance(target, str) and self.resources.get(target, {}).get("Type") in _LAYER_TYPES:
                content = self.props(target).get("ContentUri") or self.props(target).get("Content")
                if isinstance(content, str):
                    paths.append((self.base_dir / content).resolve())
        return tuple(paths)

    def routes_of(self, function_id: str) -> list[Route]:
        routes = []
        for event_name, event in (self.props(function_id).get("Events") or {}).items():
            if not isinstance(event, dict) or event.get("Type") != "Api":
                continue
            props = event.get("Properties") or {}
            api = props.get("RestApiId")
            api_id = api.get("Ref") if isinstance(api, dict) else api
            if api is not None and api_id not in self.resources:
                raise TemplateError(f"{function_id}.{event_name}: RestApiId must Ref an API of this template")
            auth = (props.get("Auth") or {}).get("Authorizer")
            routes.append(
                Route(
                    path=self.resolver.resolve_str(props.get("Path"), f"{function_id}.{event_name}.Path"),
                    method=self.resolver.resolve_str(props.get("Method"), "Method").upper(),
                    function=function_id,
                    api=str(api_id) if api is not None else IMPLICIT_API,
                    authorizer=None if auth is None else self.resolver.resolve_str(auth, "Authorizer"),
                    event=event_name,
                )
            )
        return routes

    def _with_authorizers(self, routes: tuple[Route, ...], apis: dict[str, Api]) -> tuple[Route, ...]:
        """Each route's effective authorizer: its own (NONE = open), else the API's default."""
        resolved = []
        for route in routes:
            api = apis[route.api]
            name = route.authorizer if route.authorizer is not None else api.default_authorizer
            if name == "NONE":
                name = None
            if name is not None and name not in api.authorizers:
                raise TemplateError(f"{route.function}.{route.event}: authorizer {name} is not supported")
            resolved.append(Route(route.path, route.method, route.function, route.api, name, route.event))
        return tuple(resolved)

    def api(self, logical_id: str) -> Api:
        props = self.props(logical_id)
        auth = props.get("Auth") or {}
        authorizers = {
            name: self.authorizer(logical_id, name, spec)
            for name, spec in (auth.get("Authorizers") or {}).items()
        }
        default = auth.get("DefaultAuthorizer")
        return Api(
            logical_id=logical_id,
            api_id=self.ref(logical_id),
            name=self.prop_str(logical_id, "Name", f"{self.stack_name}-{logical_id}"),
            stage=self.prop_str(logical_id, "StageName", "Prod"),
            default_authorizer=None if default is None else self.resolver.resolve_str(default, "Authorizer"),
            authorizers=authorizers,
            gateway_responses={
                kind: self.gateway_response(spec)
                for kind, spec in self.resolver.resolve(props.get("GatewayResponses") or {}).items()
            },
        )

    def authorizer(self, api_id: str, name: str, spec: Mapping[str, Any]) -> Authorizer:
        payload = str(spec.get("FunctionPayloadType", "TOKEN"))
        if "FunctionArn" not in spec or payload != "TOKEN":
            raise TemplateError(f"{api_id} authorizer {name}: only Lambda TOKEN authorizers are supported")
        arn = self.resolver.resolve_str(spec["FunctionArn"], f"{api_id} authorizer {name} FunctionArn")
        function = next(
            (
                lid
                for lid in self._of_type(_FUNCTION_TYPES)
                if arn == self.get_att(lid, "Arn")
                or (self.prop_str(lid, "AutoPublishAlias", "") and arn == self._alias_arn(lid))
            ),
            None,
        )
        if function is None:
            raise TemplateError(f"{api_id} authorizer {name}: {arn} is not a function of this template")
        identity = self.resolver.resolve(spec.get("Identity") or {})
        expression = identity.get("ValidationExpression")
        return Authorizer(
            name=name,
            function=function,
            identity_header=str(identity.get("Header", "Authorization")),
            reauthorize_seconds=int(identity.get("ReauthorizeEvery", 300)),
            validation_expression=None if expression is None else str(expression),
        )

    @staticmethod
    def gateway_response(spec: Mapping[str, Any]) -> GatewayResponse:
        headers = ((spec.get("ResponseParameters") or {}).get("Headers")) or {}
        templates = spec.get("ResponseTemplates") or {}
        body = templates.get("application/json", next(iter(templates.values()), None))
        status = spec.get("StatusCode")
        return GatewayResponse(
            status=None if status is None else int(status),
            headers={str(k): str(v).strip("'") for k, v in headers.items()},
            body=None if body is None else str(body),
        )

    def table(self, logical_id: str) -> Table:
        props = self.resolver.resolve(self.props(logical_id))
        ttl = props.get("TimeToLiveSpecification") or {}

        def keys(schema: list[dict[str, str]]) -> tuple[tuple[str, str], ...]:
            return tuple((str(key["AttributeName"]), str(key["KeyType"])) for key in schema)

        def indexes(specs: list[dict[str, Any]]) -> tuple[Index, ...]:
            return tuple(
                Index(str(s["IndexName"]), keys(s["KeySchema"]), dict(s.get("Projection") or {}))
                for s in specs
            )

        return Table(
            logical_id=logical_id,
            name=self.ref(logical_id),
            key_schema=keys(props.get("KeySchema") or []),
            attributes={
                str(a["AttributeName"]): str(a["AttributeType"]) for a in props["AttributeDefinitions"]
            },
            global_indexes=indexes(props.get("GlobalSecondaryIndexes") or []),
            local_indexes=indexes(props.get("LocalSecondaryIndexes") or []),
            ttl_attribute=str(ttl["AttributeName"]) if _truthy(ttl.get("Enabled")) else None,
        )

    def secret(self, logical_id: str) -> Secret:
        props = self.resolver.resolve(self.props(logical_id))
        spec = props.get("GenerateSecretString")
        generate = None
        if isinstance(spec, dict):
            generate = GeneratedSecret(
                template=spec.get("SecretStringTemplate"),
                key=spec.get("GenerateStringKey"),
                length=int(spec.get("PasswordLength", 32)),
                exclude_characters=str(spec.get("ExcludeCharacters", "")),
                exclude_punctuation=_truthy(spec.get("ExcludePunctuation")),
                exclude_uppercase=_truthy(spec.get("ExcludeUppercase")),
                exclude_lowercase=_truthy(spec.get("ExcludeLowercase")),
                exclude_numbers=_truthy(spec.get("ExcludeNumbers")),
                include_space=_truthy(spec.get("IncludeSpace")),
                require_each_included_type=_truthy(spec.get("RequireEachIncludedType", True)),
            )
        ref = self.ref(logical_id)
        name = str(props.get("Name") or f"{self.stack_name}-{logical_id}")
        return Secret(
            logical_id=logical_id,
            name=name,
            arn=ref,
            description=str(props.get("Description", "")),
            secret_string=None if props.get("SecretString") is None else str(props["SecretString"]),
            generate=generate,
        )

    def bucket(self, logical_id: str) -> Bucket:
        props = self.resolver.resolve(self.props(logical_id))
        rules = (props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration") or [{}]
        default = rules[0].get("ServerSideEncryptionByDefault") or {}
        block = props.get("PublicAccessBlockConfiguration") or {}
        return Bucket(
            logical_id=logical_id,
            name=self.ref(logical_id),
            versioned=(props.get("VersioningConfiguration") or {}).get("Status") == "Enabled",
            encryption=str(default["SSEAlgorithm"]) if default.get("SSEAlgorithm") else None,
            public_access_block={str(k): _truthy(v) for k, v in block.items()},
        )

    def ssm_parameter(self, logical_id: str) -> SsmParameter:
        return SsmParameter(
            logical_id=logical_id,
            name=self.ref(logical_id),
            type=self.prop_str(logical_id, "Type", "String"),
            value=self.prop_str(logical_id, "Value"),
            description=self.prop_str(logical_id, "Description", ""),
        )

    def outputs(self) -> dict[str, str]:
        """Outputs that resolve locally (those that do not are left out rather than failing the run)."""
        values = {}
        for name, output in (self.document.get("Outputs") or {}).items():
            if "Condition" in output and not self.resolver.condition(str(output["Condition"])):
                continue
            try:
                values[name] = self.resolver.resolve_str(output.get("Value"), f"Outputs.{name}")
            except TemplateError:
                continue
        return values


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"
