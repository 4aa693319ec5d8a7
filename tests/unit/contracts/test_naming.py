"""Tool names: `<namespace>_<operation>`, snake_case, at most 64 characters, deterministic, distinct."""

from __future__ import annotations

import re

import pytest

from registry.compiler.naming import snake, tool_names

NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("searchSpots", "search_spots"),
        ("getHTTPResponseCode", "get_http_response_code"),
        ("list-v2.items", "list_v2_items"),
        ("GET /spots/{spotId}/reservations", "get_spots_spot_id_reservations"),
        ("__weird__--", "weird"),
        ("完全中文", "operation"),
    ],
)
def test_snake_case(text: str, expected: str) -> None:
    assert snake(text) == expected


def test_long_names_are_shortened_to_64_with_a_hash_of_the_whole() -> None:
    long_id = "retrieveTheVeryLongAndDescriptiveOperationNameThatMachineGeneratorsLoveToProduce"
    (first,) = tool_names("acme_parking", [(long_id, "GET", "/x")])
    (again,) = tool_names("acme_parking", [(long_id, "POST", "/elsewhere")])
    (other,) = tool_names("acme_parking", [(long_id + "V2", "GET", "/x")])
    assert len(first) == 64 and NAME.match(first) and first == again != other
    assert first.startswith("acme_parking_retrieve_the_very_long")


def test_collisions_are_settled_by_method_and_path_and_touch_no_one_else() -> None:
    ops = [("getSpot", "GET", "/a"), ("get_spot", "GET", "/b"), ("other", "GET", "/c")]
    names = tool_names("ns", ops)
    assert len(set(names)) == 3 and names[2] == "ns_other"
    assert names[0].startswith("ns_get_spot_") and names[1].startswith("ns_get_spot_")
    assert tool_names("ns", list(reversed(ops))) == list(reversed(names))  # order-independent


def test_colliding_long_names_stay_within_64() -> None:
    stem = "x" * 80
    names = tool_names("namespace_at_most_32_characters_", [(stem, "GET", "/a"), (stem, "PUT", "/a")])
    assert len(set(names)) == 2 and all(len(n) <= 64 and NAME.match(n) for n in names)
