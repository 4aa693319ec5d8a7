"""The sample events under events/navigation/ (the ones `sam local invoke -e` takes) do what they say."""

from __future__ import annotations

import copy

from cockpit_dev.template import Template
from navigation.handler import lambda_handler as navigation
from tests.support import events as ev
from tests.support.aws import snapshot


def test_plan_route_sample_proposes_a_stop_in_chinese(gateway: Template) -> None:
    before = snapshot(gateway)
    out = navigation(copy.deepcopy(ev.sample("navigation/plan_route.json")), None)
    assert out["status"] == "succeeded", out
    route = out["result"]["route"]
    assert route["feasible_on_current_charge"] is False and len(route["charging_stops"]) == 1
    assert all("\u4e00" <= s["instruction"][0] <= "\u9fff" for s in route["steps"])  # Chinese text
    assert snapshot(gateway) == before  # planning writes nothing


def test_search_places_sample(gateway: Template) -> None:
    out = navigation(copy.deepcopy(ev.sample("navigation/search_places.json")), None)
    assert out["status"] == "succeeded", out
    assert out["result"]["near"]["name"] == "The Bund"
    assert 1 <= len(out["result"]["places"]) <= 5


def test_set_destination_sample_twice_records_once(gateway: Template) -> None:
    first = navigation(copy.deepcopy(ev.sample("navigation/set_destination.json")), None)
    assert first["status"] == "succeeded", first
    after_first = snapshot(gateway)
    again = navigation(copy.deepcopy(ev.sample("navigation/set_destination.json")), None)
    assert again == first and snapshot(gateway) == after_first
