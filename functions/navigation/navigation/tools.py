"""The navigation tools, declared once: `make catalog` writes cockpit/catalog/navigation.json from these, and
navigation.handler serves each with one handler."""

from __future__ import annotations

from typing import Any

from cockpit.tools.declaration import ToolDeclaration
from cockpit.tools.model import Effect
from navigation import models as m

TARGET = "lambda:navigation"

SEARCH_PLACES = ToolDeclaration(
    name="navigation_search_places",
    title="Search places",
    description="Find places by free text in Chinese or English ('星巴克', 'parking near the Bund'), near a "
    "point (default: the car's location) or along the current route (the destination set with"
    " navigation_set_destination). Optional category and open-now filter. Results carry name,"
    " address, location, distance, opening hours and, for parking, the hourly price and free "
    "spaces.",
    arguments=m.SearchPlacesArgs,
    result=m.Places,
    effect=Effect.READ,
    target=TARGET,
)
PLAN_ROUTE = ToolDeclaration(
    name="navigation_plan_route",
    title="Plan a route",
    description="Plan a driving route from origin (default: the car's current location) to destination "
    "through up to 16 waypoints, optionally avoiding tolls, highways or ferries, departing at"
    " a given time. Returns distance, duration, an encoded polyline (precision 5), turn-by-"
    "turn steps in the session's language and tolls. For an electric car whose battery level "
    "and consumption (or range) are known, says whether the trip is feasible on the current "
    "charge and, if not, proposes charging stops along the route.",
    arguments=m.PlanRouteArgs,
    result=m.OneRoute,
    effect=Effect.READ,
    target=TARGET,
)
SET_DESTINATION = ToolDeclaration(
    name="navigation_set_destination",
    title="Send a destination to the car",
    description="Send the chosen destination (and waypoints) to the car's navigation: it is recorded for "
    "this vehicle and the head unit picks it up. Replaces the current destination. Needs an "
    "Idempotency-Key.",
    arguments=m.SetDestinationArgs,
    result=m.OneDestination,
    effect=Effect.WRITE,
    target=TARGET,
    destructive=True,
    idempotent=True,
)
GET_DESTINATION = ToolDeclaration(
    name="navigation_get_destination",
    title="The car's current destination",
    description="The destination (and waypoints) currently sent to this car, or null when there is none: "
    "what the head unit shows.",
    arguments=m.GetDestinationArgs,
    result=m.OneDestination,
    effect=Effect.READ,
    target=TARGET,
)

DECLARED: tuple[ToolDeclaration[Any, Any], ...] = (
    SEARCH_PLACES,
    PLAN_ROUTE,
    SET_DESTINATION,
    GET_DESTINATION,
)
