"""CloudFormation YAML and intrinsic functions, as far as the local runtime needs them.

`load_yaml` reads a template with the short tags (!Ref, !Sub, !GetAtt, ...) turned into their long
forms; `Resolver` evaluates intrinsics against parameters, pseudo parameters, conditions, mappings
and the local physical ids of resources (which the caller supplies as a function).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml


class TemplateError(Exception):
    """The template uses something the local runtime cannot evaluate, or is invalid."""


class _CfnLoader(yaml.SafeLoader):  # type: ignore[misc]
    """A safe YAML loader that also understands CloudFormation's short-form tags."""


_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "Sub", "GetAtt", "If", "Equals", "Not", "And", "Or", "Join", "Select", "Split",
            "FindInMap", "ImportValue", "Base64", "GetAZs", "Cidr", "Transform", "ToJsonString", "Length",
            "Contains",  # a Rules function (stack.rule_problems evaluates it), never in Resources
        )
    },
}  # fmt: skip


def _tag_constructor(long_name: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            assert isinstance(node, yaml.MappingNode)
            value = loader.construct_mapping(node, deep=True)
        if long_name == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {long_name: value}

    return construct


for _short, _long in _SHORT_TAGS.items():
    _CfnLoader.add_constructor(f"!{_short}", _tag_constructor(_long))


def load_yaml(path: Path) -> dict[str, Any]:
    """Read a CloudFormation/SAM template (YAML or JSON) into plain data, intrinsics in long form."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 - safe subclass
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"cannot read template {path}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{path} is not a CloudFormation template (no Resources)")
    return document


def is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _INTRINSIC_KEYS


_INTRINSIC_KEYS = {"Ref", *(f"Fn::{n}" for n in _SHORT_TAGS if n not in ("Ref", "Condition"))}
_UNSUPPORTED = {
    "Fn::ImportValue", "Fn::Cidr", "Fn::Transform", "Fn::ToJsonString", "Fn::Length", "Fn::Contains",
}  # fmt: skip
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class _NoValue:
    """AWS::NoValue: the property or list item disappears."""


NO_VALUE = _NoValue()

RefLookup = Callable[[str], str]
GetAttLookup = Callable[[str, str], str]


class Resolver:
    """Evaluates intrinsic functions. Resources are looked up through the two callbacks."""

    def __init__(
        self,
        *,
        parameters: Mapping[str, Any],
        condition_definitions: Mapping[str, Any],
        mappings: Mapping[str, Any],
        region: str,
        ref_resource: RefLookup,
        get_att: GetAttLookup,
    ) -> None:
        self._parameters = parameters
        self._condition_definitions = condition_definitions
        self._mappings = mappings
        self._region = region
        self._ref_resource = ref_resource
        self._get_att = get_att
        self._conditions: dict[str, bool] = {}
        self._functions: dict[str, Callable[[Any], Any]] = {
            "Ref": self._ref,
            "Fn::Sub": self._sub,
            "Fn::GetAtt": self._getatt,
            "Fn::If": self._if,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": lambda arg: base64.b64encode(str(self.resolve(arg)).encode()).decode(),
            "Fn::GetAZs": lambda _arg: [f"{self._region}{zone}" for zone in "abc"],
            "Fn::Equals": lambda _arg: self._boolean({"Fn::Equals": _arg}),
            "Fn::Not": lambda _arg: self._boolean({"Fn::Not": _arg}),
            "Fn::And": lambda _arg: self._boolean({"Fn::And": _arg}),
            "Fn::Or": lambda _arg: self._boolean({"Fn::Or": _arg}),
        }

    # -- values ---------------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        """The value with every intrinsic evaluated (NO_VALUE entries dropped from maps and lists)."""
        if isinstance(value, dict):
            if is_intrinsic(value):
                name, argument = next(iter(value.items()))
                if name in _UNSUPPORTED:
                    raise TemplateError(f"{name} is not supported by the local runtime: {value!r}")
                return self._functions[name](argument)
            resolved = {key: self.resolve(item) for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not NO_VALUE}
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not NO_VALUE]
        return value

    def resolve_str(self, value: Any, where: str) -> str:
        resolved = self.resolve(value)
        if isinstance(resolved, bool):
            return "true" if resolved else "false"
        if isinstance(resolved, str | int | float):
            return str(resolved)
        raise TemplateError(f"{where} must be a string, got {resolved!r}")

    def _ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise TemplateError(f"Ref takes a name, got {name!r}")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self._parameters:
            return self._parameters[name]
        return self._ref_resource(name)

    def _getatt(self, argument: Any) -> str:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"Fn::GetAtt takes [LogicalId, Attribute], got {argument!r}")
        logical_id, attribute = (self.resolve(part) for part in argument)
        return self._get_att(str(logical_id), str(attribute))

    def _sub(self, argument: Any) -> str:
        variables: dict[str, Any] = {}
        if isinstance(argument, list):
            if len(argument) != 2 or not isinstance(argument[1], dict):
                raise TemplateError(f"Fn::Sub takes a string or [string, map], got {argument!r}")
            argument, variables = argument[0], argument[1]
        if not isinstance(argument, str):
            raise TemplateError(f"Fn::Sub takes a string, got {argument!r}")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return self.resolve_str(variables[name], f"Fn::Sub variable {name}")
            if "." in name and name not in self._parameters:
                return self._getatt(name)
            return self.resolve_str({"Ref": name}, f"Fn::Sub variable {name}")

        return _SUB_VARIABLE.sub(replace, argument)

    def _if(self, argument: Any) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3 and isinstance(argument[0], str)):
            raise TemplateError(f"Fn::If takes [condition, if-true, if-false], got {argument!r}")
        return self.resolve(argument[1] if self.condition(argument[0]) else argument[2])

    def _join(self, argument: Any) -> str:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"Fn::Join takes [delimiter, list], got {argument!r}")
        delimiter, items = str(self.resolve(argument[0])), self.resolve(argument[1])
        if not isinstance(items, list):
            raise TemplateError(f"Fn::Join needs a list, got {items!r}")
        return delimiter.join(self.resolve_str(item, "Fn::Join item") for item in items)

    def _select(self, argument: Any) -> Any:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"Fn::Select takes [index, list], got {argument!r}")
        index, items = int(self.resolve(argument[0])), self.resolve(argument[1])
        if not isinstance(items, list) or not 0 <= index < len(items):
            raise TemplateError(f"Fn::Select index {index} is out of range of {items!r}")
        return items[index]

    def _split(self, argument: Any) -> list[str]:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"Fn::Split takes [delimiter, string], got {argument!r}")
        delimiter = str(self.resolve(argument[0]))
        return self.resolve_str(argument[1], "Fn::Split source").split(delimiter)

    def _find_in_map(self, argument: Any) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3):
            raise TemplateError(f"Fn::FindInMap takes [map, top key, second key], got {argument!r}")
        names = [self.resolve_str(part, "Fn::FindInMap key") for part in argument]
        try:
            return self.resolve(self._mappings[names[0]][names[1]][names[2]])
        except (KeyError, TypeError):
            raise TemplateError(f"Fn::FindInMap: no entry {names} in Mappings") from None

    # -- conditions -----------------------------------------------------------------------------

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            if name not in self._condition_definitions:
                raise TemplateError(f"unknown condition {name!r}")
            self._conditions[name] = False  # a cycle reads as false instead of recursing forever
            self._conditions[name] = self._boolean(self._condition_definitions[name])
        return self._conditions[name]

    def all_conditions(self) -> dict[str, bool]:
        return {name: self.condition(name) for name in self._condition_definitions}

    def _boolean(self, expression: Any) -> bool:
        if not isinstance(expression, dict) or len(expression) != 1:
            raise TemplateError(f"not a condition expression: {expression!r}")
        name, argument = next(iter(expression.items()))
        if name == "Condition":
            return self.condition(str(argument))
        if name == "Fn::Equals" and isinstance(argument, list) and len(argument) == 2:
            left, right = (self.resolve(part) for part in argument)
            return bool(_canonical(left) == _canonical(right))
        if name == "Fn::Not" and isinstance(argument, list) and len(argument) == 1:
            return not self._boolean(argument[0])
        if name == "Fn::And" and isinstance(argument, list):
            return all(self._boolean(part) for part in argument)
        if name == "Fn::Or" and isinstance(argument, list):
            return any(self._boolean(part) for part in argument)
        raise TemplateError(f"not a condition expression: {expression!r}")


def _canonical(value: Any) -> Any:
    """Fn::Equals compares strings: true == "true", 1 == "1"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value
