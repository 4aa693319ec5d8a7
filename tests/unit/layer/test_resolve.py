"""`Catalog.resolve`: one typed resolution — contract, compiled checks, target — for first-party and
partner tools alike, with the caller's role checked; the dispatcher calls exactly what it resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from cockpit.dispatch.core import Dispatcher, ToolCall
from cockpit.dispatch.targets import Targets
from cockpit.errors import ConfigurationError, ToolNotFound, UpstreamError, ValidationFailed
from cockpit.partners import catalog as partner_catalog
from cockpit.partners.catalog import PartnerCatalog, PartnerTarget
from cockpit.partners.model import PartnerTool
from cockpit.tools import resolved as resolved_module
from cockpit.tools.catalog import Catalog, first_party
from cockpit.tools.model import Caller, Role, ToolInvocation, ToolResult
from cockpit.tools.resolved import ResolvedTool, Unbound
from tests.support.partners import CONTRACT, FakePartnerToolSource, parking_tools
from tests.support.stores import FakeConfirmations, FakeIdempotency, FakeTarget

CAR = Caller(sub="vin-1", role=Role.VEHICLE)
PARTNER_ACME = Caller(sub="partner-acme", role=Role.PARTNER)
SEARCH = "acme_parking_search_spots"
NEAR = {"near": [31.2, 121.4]}
SPOTS = {"spots": [{"id": "P1", "name": "Acme P1", "free": 3}]}


@dataclass
class FakePartnerCaller:
    """Stands in for the container's PartnerCaller: records which binding each call was sent with."""

    answer: dict[str, Any] = field(default_factory=lambda: dict(SPOTS))
    sent: list[tuple[PartnerTool, ToolInvocation]] = field(default_factory=list)

    def call(self, tool: PartnerTool, invocation: ToolInvocation) -> ToolResult:
        self.sent.append((tool, invocation))
        return ToolResult(status="succeeded", result=self.answer)


def partner_catalog_with(
    tools: list[PartnerTool] | None = None,
) -> tuple[PartnerCatalog, FakePartnerToolSource, FakePartnerCaller]:
    source = FakePartnerToolSource(
        parking_tools("https://api.acme-parking.example/v2", signing_arn="sign") if tools is None else tools
    )
    caller = FakePartnerCaller()
    return PartnerCatalog(first_party(), source, lambda: caller), source, caller  # type: ignore[arg-type,return-value]


def invocation(tool: str, arguments: dict[str, Any]) -> ToolInvocation:
    return ToolInvocation(invocation_id="inv-1", tool=tool, arguments=arguments, caller=CAR)


def test_a_first_party_tool_resolves_to_its_contract_checks_and_target() -> None:
    target = FakeTarget()
    tool = first_party().resolve("charging_find_stations", CAR, target)
    assert isinstance(tool, ResolvedTool) and tool.spec is first_party().get("charging_find_stations")
    assert tool.target is target and tool.checks.result is not None
    tool.check_arguments({"location": {"lat": 31.2, "lon": 121.4}})
    with pytest.raises(ValidationFailed) as refused:
        tool.check_arguments({"location": {"lat": 91, "lon": 121.4}})
    assert [e.pointer for e in refused.value.errors or []] == ["/arguments/location/lat"]
    with pytest.raises(ValueError, match="/stations"):
        tool.check_result({"stations": "none"})
    assert tool.invoke(invocation("charging_find_stations", {})).status == "succeeded"
    assert [i.tool for i in target.seen] == ["charging_find_stations"]


def test_lambda_and_gateway_targets_resolve_from_the_tools_target_string() -> None:
    gateway = FakeTarget()
    targets = Targets({"charging": "cockpit-charging"}, gateway={"operations": gateway})
    charging = first_party().resolve("charging_find_stations", CAR, targets).target
    assert getattr(charging, "function_name", None) == "cockpit-charging"
    assert first_party().resolve("cockpit_get_operation", CAR, targets).target is gateway
    with pytest.raises(ConfigurationError, match="lambda:navigation"):
        first_party().resolve("navigation_search_places", CAR, targets)


def test_without_targets_a_resolved_tool_is_checked_but_never_called() -> None:
    tool = first_party().resolve("charging_find_stations", None)
    assert tool.target == Unbound("lambda:charging")
    with pytest.raises(ConfigurationError, match="no target is configured for lambda:charging"):
        tool.invoke(invocation("charging_find_stations", {}))


def test_a_partner_tool_resolves_bound_to_the_binding_read_for_this_call() -> None:
    cat, source, caller = partner_catalog_with()
    tool = cat.resolve(SEARCH, CAR, FakeTarget())
    assert source.reads == 1  # the registry is read once per resolution ...
    assert isinstance(tool.target, PartnerTarget) and tool.target.tool is source.tools[SEARCH]
    assert tool.spec is source.tools[SEARCH].spec
    tool.check_arguments(NEAR)
    with pytest.raises(ValidationFailed):
        tool.check_arguments({"near": "here"})
    answer = tool.invoke(invocation(SEARCH, NEAR))
    assert answer.result == SPOTS and source.reads == 1  # ... and never again on the way to the partner
    assert [sent for sent, _ in caller.sent] == [source.tools[SEARCH]]


def test_unknown_names_are_404_for_first_party_and_partner_catalogs_alike() -> None:
    cat, source, _ = partner_catalog_with()
    for catalog in (first_party(), cat):
        with pytest.raises(ToolNotFound, match="nobody_has_this"):
            catalog.resolve("nobody_has_this", CAR, FakeTarget())
    assert source.reads == 1  # the partner catalog asked its source, once
    with pytest.raises(ToolNotFound):
        cat.resolve("charging_find_stations", PARTNER_ACME)  # a partner may not call a vehicle tool


def test_a_caller_whose_role_the_tool_does_not_admit_gets_404_not_403() -> None:
    with pytest.raises(ToolNotFound) as first:
        first_party().resolve("charging_find_stations", PARTNER_ACME, FakeTarget())
    cat, _, caller = partner_catalog_with()
    with pytest.raises(ToolNotFound) as partner:
        cat.resolve(SEARCH, Caller(sub="ops", role=Role.ADMIN), FakeTarget())
    assert first.value.status == partner.value.status == 404 and caller.sent == []
    assert cat.resolve(SEARCH, None).spec.name == SEARCH  # no caller: the gateway's own contract checks


def test_a_partner_tool_whose_binding_and_target_disagree_is_a_configuration_error() -> None:
    (tool, *_) = parking_tools("https://api.acme-parking.example/v2", signing_arn="sign")
    astray = tool.model_copy(update={"spec": tool.spec.model_copy(update={"target": "partner:ctr_other"})})
    cat, _, caller = partner_catalog_with([astray])
    with pytest.raises(ConfigurationError, match="disagree"):
        cat.resolve(SEARCH, CAR)
    assert caller.sent == []


def test_a_partner_tool_retired_between_resolve_and_call() -> None:
    """A call in flight goes on with the binding it validated against (the registry is not read again);
    the next resolution finds the tool gone (404), and so does the dispatcher's next call."""
    cat, source, caller = partner_catalog_with()
    dispatcher = Dispatcher(cat, Targets({}), FakeIdempotency(), FakeConfirmations())  # type: ignore[arg-type]
    tool = dispatcher.tool(SEARCH, CAR)
    bound = source.tools[SEARCH]
    source.retire(CONTRACT)
    answer = dispatcher.invoke(ToolCall(tool=SEARCH, arguments=NEAR, caller=CAR), tool)
    assert answer.status == "succeeded" and answer.result == SPOTS
    assert [sent for sent, _ in caller.sent] == [bound] and source.reads == 1
    with pytest.raises(ToolNotFound):
        cat.resolve(SEARCH, CAR)
    with pytest.raises(ToolNotFound):
        dispatcher.invoke(ToolCall(tool=SEARCH, arguments=NEAR, caller=CAR))
    assert len(caller.sent) == 1


def test_a_resolved_tool_is_only_good_for_its_own_call() -> None:
    dispatcher = Dispatcher(first_party(), FakeTarget(), FakeIdempotency(), FakeConfirmations())  # type: ignore[arg-type]
    find = dispatcher.tool("charging_find_stations", CAR)
    with pytest.raises(
        ValueError, match="charging_find_stations was resolved for a call of charging_get_station"
    ):
        dispatcher.invoke(
            ToolCall(tool="charging_get_station", arguments={"station_id": "x"}, caller=CAR), find
        )


def test_a_partner_result_is_held_to_the_resolved_output_schema() -> None:
    cat, _, caller = partner_catalog_with()
    caller.answer = {"spots": [{"id": "P1"}]}  # name and free are required
    dispatcher = Dispatcher(cat, Targets({}), FakeIdempotency(), FakeConfirmations())  # type: ignore[arg-type]
    with pytest.raises(UpstreamError, match="breaks the tool's schema"):
        dispatcher.invoke(ToolCall(tool=SEARCH, arguments=NEAR, caller=CAR))


def test_first_party_checks_are_compiled_once_not_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[Any] = []
    real = resolved_module._fast_validator

    def counting(schema: Any) -> Any:
        compiled.append(schema)
        return real(schema)

    monkeypatch.setattr(resolved_module, "_fast_validator", counting)
    catalog = Catalog(list(first_party()))  # a fresh catalog: nothing compiled yet
    assert compiled == []  # nothing at construction: a container compiles what it is asked for
    for _ in range(5):
        tool = catalog.resolve("charging_get_station", CAR, FakeTarget())
        tool.check_arguments({"station_id": "CN-SHA-0001"})
    spec = catalog.get("charging_get_station")
    assert spec is not None and compiled == [spec.input_schema]
    assert catalog.resolve("charging_get_station", CAR).checks is tool.checks


def test_partner_checks_are_compiled_once_per_contract_version(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Any] = []
    real = partner_catalog.PartnerValidator

    def counting(schema: Any, **kw: Any) -> Any:
        built.append(schema)
        return real(schema, **kw)

    monkeypatch.setattr(partner_catalog, "PartnerValidator", counting)
    (tool, *_) = parking_tools("https://api.acme-parking.example/v2", signing_arn="sign")
    integer = {"type": "object", "properties": {"n": {"type": "integer"}}}
    v1 = tool.model_copy(update={"spec": tool.spec.model_copy(update={"input_schema": integer})})
    cat, source, _ = partner_catalog_with([v1])
    first = cat.resolve(SEARCH, CAR)
    for _ in range(5):  # five calls of version 1: its checks are made once
        again = cat.resolve(SEARCH, CAR)
        again.check_arguments({"n": 1})
        again.check_result(SPOTS)
        assert again.checks is first.checks
    assert built == [v1.spec.input_schema, v1.spec.output_schema]
    # Version 2 under the same name, with another schema: its own checks, compiled once as well.
    v2_spec = v1.spec.model_copy(
        update={"input_schema": {"type": "object", "properties": {"n": {"type": "string"}}}}
    )
    v2 = v1.model_copy(update={"spec": v2_spec, "operation": v1.operation.model_copy(update={"version": 2})})
    source.add([v2])
    for _ in range(3):
        newer = cat.resolve(SEARCH, CAR)
        assert newer.checks is not first.checks
        newer.check_arguments({"n": "one"})
        with pytest.raises(ValidationFailed):
            newer.check_arguments({"n": 1})
    assert built[2:] == [v2.spec.input_schema]  # v2's output schema was never needed
    # A reparsed copy of the same version (equal schemas, other objects) keeps its checks.
    source.add([v2.model_copy(deep=True)])
    assert cat.resolve(SEARCH, CAR).checks is newer.checks
