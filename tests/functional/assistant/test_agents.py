"""Agents (issue 14, item 5): every reply names the agent that spoke; moving between car matters and travel
hands over visibly (`agent` changes, `handover` says from whom, the reply says so) with the context."""

from __future__ import annotations

import pytest

from cockpit_dev.template import Template
from tests.functional.assistant.conftest import new_session, ok, turn


def test_car_matters_then_travel_hand_over_with_the_context(gateway: Template) -> None:
    sid = new_session()
    found = ok(turn(sid, text="find a fast charger"))
    assert found["agent"] == "Car Genius" and found["handover"] is None
    station = found["tool_calls"][0]["result"]["stations"][0]
    again = ok(turn(sid, text="how is my battery"))
    assert again["agent"] == "Car Genius" and again["handover"] is None  # same agent: nothing to say
    moved = ok(turn(sid, text="take me to the first one"))
    assert moved["agent"] == "Travel Companion"
    assert moved["handover"] == {"from": "Car Genius", "to": "Travel Companion"}
    assert moved["reply"].startswith("Travel Companion here, taking over from Car Genius.")
    # the context went with it: "the first one" is the station Car Genius found
    (go,) = moved["tool_calls"]
    assert (
        go["name"] == "navigation_set_destination" and go["arguments"]["destination"] == station["location"]
    )
    back = ok(turn(sid, text="what's my range"))
    assert back["agent"] == "Car Genius" and back["handover"] == {
        "from": "Travel Companion",
        "to": "Car Genius",
    }


def test_the_handover_is_said_in_the_sessions_language(gateway: Template) -> None:
    sid = new_session(locale="zh-CN")
    assert ok(turn(sid, text="还剩多少电"))["agent"] == "Car Genius"
    moved = ok(turn(sid, text="我们现在去哪"))
    assert moved["agent"] == "Travel Companion" and moved["reply"].startswith(
        "出行伙伴为您接手（之前是用车专家）。"
    )


def test_a_chinese_session_hears_chinese_station_names(gateway: Template) -> None:
    import re

    sid = new_session(locale="zh-CN")
    found = ok(turn(sid, text="附近有快充吗"))
    stations = found["tool_calls"][0]["result"]["stations"]
    assert stations and all(re.search(r"[\u3400-\u9fff]", s["name"]) for s in stations)
    assert stations[0]["name"] in found["reply"] and not re.search(r"[A-Za-z]{3,}", found["reply"])
    asked = ok(turn(sid, text="在第一个充电"))
    assert stations[0]["name"] in asked["pending_confirmation"]["summary"]


@pytest.mark.parametrize(
    ("locale", "ask", "answers"),
    [
        ("en-US", "find a charger", ["the first one"]),
        ("zh-CN", "找个充电桩", ["第一个"]),
        ("en-US", "find a charger", ["start charging at the first one", "use my visa"]),
        ("zh-CN", "找个充电桩", ["在第一个充", "用支付宝"]),
        ("en-US", "table for 2 at 7", ["the second one"]),
        ("zh-CN", "订个两个人的餐厅", ["第二个"]),
        ("en-US", "reserve a parking spot", ["that one"]),
    ],
)
def test_a_bare_answer_continues_with_the_same_agent(
    everything: Template, locale: str, ask: str, answers: list[str]
) -> None:
    """Item 3 of the follow-up: "the first one", "第一个", "用支付宝" answer the last request; the agent that
    made it answers them, with no handover sentence (用支付宝 used to hand Car Genius's charge to Travel
    Companion, which then said it could not find chargers)."""
    sid = new_session(locale=locale)
    first = ok(turn(sid, text=ask))
    assert first["tool_calls"], first
    for said in answers:
        then = ok(turn(sid, text=said))
        assert then["handover"] is None and then["agent"] == first["agent"], (said, then["reply"])
        assert then["tool_calls"], (said, then["reply"])  # it was understood as continuing the task
        assert not then["reply"].startswith(
            ("Travel Companion here", "Car Genius here", "出行伙伴", "用车专家")
        )


def test_a_chinese_session_hears_chinese_venue_names_everywhere(everything: Template) -> None:
    """Issue 14 follow-up, item 1: search results, the chosen slot's question, the booking's answer and
    the reservations list all name the venue in Chinese, and every reply is Chinese (no Latin words but
    the card brand the driver owns)."""
    import re

    def chinese(reply: str) -> bool:
        return bool(re.search(r"[\u3400-\u9fff]", reply)) and not re.search(
            r"[A-Za-z]{3,}", reply.replace("Visa", "")
        )

    sid = new_session(locale="zh-CN")
    found = ok(turn(sid, text="订个两个人的餐厅，晚上七点"))
    slots = found["tool_calls"][0]["result"]["slots"]
    names = [s["venue"]["name"] for s in slots]
    assert names and all(re.fullmatch(r"[\u3400-\u9fff0-9]+", n) for n in names), names
    assert names[0] in found["reply"] and chinese(found["reply"]), found["reply"]
    booked = ok(turn(sid, text="第一个"))
    made = booked["tool_calls"][-1]
    assert (
        made["name"] == "booking_create_reservation"
        and made["result"]["reservation"]["venue"]["name"] == names[0]
    )
    assert names[0] in booked["reply"] and chinese(booked["reply"]), booked["reply"]
    listed = ok(turn(sid, text="我有哪些预订"))
    (lst,) = listed["tool_calls"]
    assert [r["venue"]["name"] for r in lst["result"]["reservations"]] == [names[0]]
    assert chinese(listed["reply"]), listed["reply"]

    hotel = ok(turn(sid, text="今晚找个酒店"))
    first = hotel["tool_calls"][0]["result"]["slots"][0]
    asked = ok(turn(sid, text="就第一个"))  # paid in advance: the default card, and a question
    summary = asked["pending_confirmation"]["summary"]
    assert first["venue"]["name"] in summary and chinese(asked["reply"]), asked["reply"]
    done = ok(turn(sid, text="确认"))
    assert done["tool_calls"][0]["status"] == "succeeded" and chinese(done["reply"]), done["reply"]
    assert first["venue"]["name"] in done["reply"]
