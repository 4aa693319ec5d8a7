"""API Gateway resource matching: path templates with {param} and a trailing {proxy+}; the most
specific resource wins (literal segments over parameters over a greedy proxy)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from cockpit_dev.template import Route

_LITERAL, _PARAMETER, _GREEDY = 0, 1, 2


@dataclass(frozen=True)
class Match:
    resource: str
    path_parameters: dict[str, str]
    routes: tuple[Route, ...]

    def route_for(self, method: str) -> Route | None:
        exact = next((route for route in self.routes if route.method == method), None)
        return exact or next((route for route in self.routes if route.method == "ANY"), None)


def _segments(path: str) -> list[str]:
    return [segment for segment in path.strip("/").split("/") if segment != ""]


class RouteTable:
    def __init__(self, routes: Iterable[Route]) -> None:
        resources: dict[str, list[Route]] = {}
        for route in routes:
            resources.setdefault("/" + "/".join(_segments(route.path)), []).append(route)
        self._resources = {path: tuple(found) for path, found in resources.items()}

    def match(self, path: str) -> Match | None:
        """The most specific resource whose template matches the (raw, %-encoded) request path."""
        request = _segments(path)
        best: tuple[tuple[int, ...], Match] | None = None
        for resource, routes in self._resources.items():
            matched = _match(_segments(resource), request)
            if matched is None:
                continue
            rank, parameters = matched
            if best is None or rank < best[0]:
                best = (rank, Match(resource, parameters, routes))
        return None if best is None else best[1]


def _match(template: list[str], request: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    rank: list[int] = []
    parameters: dict[str, str] = {}
    for index, part in enumerate(template):
        if part.startswith("{") and part.endswith("+}"):
            if index != len(template) - 1 or index >= len(request):
                return None
            parameters[part[1:-2]] = unquote("/".join(request[index:]))
            return (*rank, _GREEDY), parameters
        if index >= len(request):
            return None
        if part.startswith("{") and part.endswith("}"):
            parameters[part[1:-1]] = unquote(request[index])
            rank.append(_PARAMETER)
        elif unquote(request[index]) == part:
            rank.append(_LITERAL)
        else:
            return None
    if len(template) != len(request):
        return None
    return tuple(rank), parameters
