"""Routes only: the navigation tools (ToolInvocation events)."""

from __future__ import annotations

from typing import Any

from cockpit.tools.handlers import ToolHandlers
from cockpit.tools.model import ToolInvocation, ToolResult
from navigation import models as m
from navigation import tools as declared
from navigation.wiring import service

tools = ToolHandlers()


@tools.serve(declared.SEARCH_PLACES)
def search_places(inv: ToolInvocation, args: m.SearchPlacesArgs) -> m.Places:
    return service().search_places(inv, args)


@tools.serve(declared.PLAN_ROUTE)
def plan_route(inv: ToolInvocation, args: m.PlanRouteArgs) -> m.OneRoute:
    return service().plan_route(inv, args)


@tools.serve(declared.SET_DESTINATION)
def set_destination(inv: ToolInvocation, args: m.SetDestinationArgs) -> m.OneDestination:
    return service().set_destination(inv, args)


@tools.serve(declared.GET_DESTINATION)
def get_destination(inv: ToolInvocation, _args: m.GetDestinationArgs) -> ToolResult:
    # `destination: null` when there is none (the default result dump would leave the key out)
    found = service().get_destination(inv).destination
    shown = None if found is None else found.model_dump(mode="json", exclude_none=True)
    return ToolResult(status="succeeded", result={"destination": shown})


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return tools.handle(event, context)
