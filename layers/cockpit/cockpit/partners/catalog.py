"""The catalog the dispatcher reads: first-party tools, plus the active partner tools read fresh.

First-party names resolve from memory (the warm path is unchanged); any other name is asked of the
partner source, so a retired contract's tools are gone on the next call. Partner schemas come from
arbitrary OpenAPI documents ($ref/$defs, 2020-12 keywords the fast compiled validator does not read),
so they are validated by the JSON Schema 2020-12 validator alone, one per distinct schema (keyed by
its content, since a name may carry another schema in the next contract version), LRU-bounded.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError
from referencing.exceptions import Unresolvable

from cockpit.errors import UpstreamError
from cockpit.partners.model import PartnerTool, PartnerToolSource
from cockpit.tools.catalog import Catalog
from cockpit.tools.model import Caller, Role, ToolSpec

_FORMATS = FormatChecker()
MAX_PARTNER_VALIDATORS = 256


class PartnerCatalog(Catalog):
    def __init__(self, first_party: Catalog, source: PartnerToolSource) -> None:
        super().__init__(first_party)
        self.source = source
        self._handed: dict[str, PartnerTool] = {}
        self._partner_validators: OrderedDict[str, Draft202012Validator] = OrderedDict()

    def get(self, name: str) -> ToolSpec | None:
        found = self._first(name)
        if found is not None:
            return found
        tool = self.source.get(name)
        if tool is None:
            return None
        self._handed[name] = tool
        return tool.spec

    def _first(self, name: str) -> ToolSpec | None:
        return Catalog.get(self, name)

    def take(self, name: str) -> PartnerTool | None:
        """The partner tool `get` just read for this call (else read again): the target's binding."""
        return self._handed.pop(name, None) or self.source.get(name)

    def partner_tools_for(self, caller: Caller) -> list[ToolSpec]:
        """Vehicles see every active partner tool they may call; a partner its own; an admin all."""
        tools = [t.spec for t in self.source.active_tools() if self._first(t.spec.name) is None]
        if caller.role is Role.ADMIN:
            return tools
        if caller.role is Role.PARTNER:
            return [t for t in tools if t.source == f"partner:{caller.sub}"]
        return [t for t in tools if caller.role in t.roles]

    def _problems(self, key: str, schema: dict[str, Any], instance: Any) -> list[tuple[list[Any], str]]:
        if self._first(key.removesuffix("#out")) is not None:
            return super()._problems(key, schema, instance)
        validator = self._partner_validator(schema)
        try:
            errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        except Unresolvable:
            name = key.removesuffix("#out")
            raise UpstreamError(f"{name}: the partner tool's schema has a broken $ref") from None
        return [(list(e.absolute_path), e.message) for e in errors]

    def _partner_validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        key = hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()
        found = self._partner_validators.get(key)
        if found is not None:
            self._partner_validators.move_to_end(key)
            return found
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError:
            raise UpstreamError("the partner tool's schema is not valid JSON Schema 2020-12") from None
        found = self._partner_validators[key] = Draft202012Validator(schema, format_checker=_FORMATS)
        if len(self._partner_validators) > MAX_PARTNER_VALIDATORS:
            self._partner_validators.popitem(last=False)
        return found
