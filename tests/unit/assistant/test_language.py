"""Consent, ranking and agent routing: the language rules, in English and Chinese."""

from __future__ import annotations

import pytest

from assistant import agents, consent, ranking
from cockpit.tools.catalog import first_party
from cockpit.tools.model import ToolSpec

YES = [
    "yes",
    "Yes.",
    "OK!",
    "sure",
    "go ahead",
    "confirm",
    "yes, please",
    "好的",
    "好的。",
    "确认",
    "是的",
    "可以",
    "行",
    "没问题",
]
NO = ["no", "No thanks.", "cancel", "never mind", "don't", "不要", "取消", "算了", "不用了", "不"]
NEITHER = [
    "yes and also find parking",
    "find a charger",
    "ok so what about lunch",
    "好的，再找个餐厅",
    "",
    "confirmed by the tool",
]


@pytest.mark.parametrize("text", YES)
def test_affirmative(text: str) -> None:
    assert consent.is_affirmative(text) and not consent.is_negative(text)


@pytest.mark.parametrize("text", NO)
def test_negative(text: str) -> None:
    assert consent.is_negative(text) and not consent.is_affirmative(text)


@pytest.mark.parametrize("text", NEITHER)
def test_neither(text: str) -> None:
    assert not consent.is_affirmative(text) and not consent.is_negative(text)


def spec(name: str, description: str, source: str = "first_party") -> ToolSpec:
    return ToolSpec(
        name=name,
        title=name,
        description=description,
        input_schema={"type": "object"},
        effect="read",
        source=source,
        target="lambda:x" if source == "first_party" else "partner:x",
    )


def big_catalog() -> list[ToolSpec]:
    partners = [
        spec(f"partner{i}_op", f"Partner {i} does unrelated thing number {i}", "partner:p") for i in range(40)
    ]
    return [*partners, *first_party(), spec("acme_parking_spots", "查找附近的停车位和停车场", "partner:acme")]


def test_chinese_bigrams_and_glossary_find_the_right_tools() -> None:
    top = [t.name for t in ranking.rank("帮我找个快充充电桩", big_catalog(), 3)]
    assert top[0] == "charging_find_stations"
    assert [t.name for t in ranking.rank("附近有停车位吗", big_catalog(), 1)] == ["acme_parking_spots"]


def test_english_words_rank_and_a_small_catalog_is_offered_whole() -> None:
    assert ranking.rank("stop my charging session", big_catalog(), 2)[0].name in {
        "charging_stop_session",
        "charging_get_session",
    }
    small = list(first_party())
    assert ranking.rank("anything", small, 50) == small


@pytest.mark.parametrize(
    ("text", "agent"),
    [
        ("find a fast charger on the way", "car_genius"),
        ("my battery warning light is on", "car_genius"),
        ("找个充电站", "car_genius"),
        ("how is my battery", "car_genius"),  # the route planner's description mentions battery too
        ("电量还有多少", "car_genius"),
        ("navigate to the first one", "travel_companion"),
        ("pay for charging", "car_genius"),
        ("navigate to the airport", "travel_companion"),
        ("book a table for two", "travel_companion"),
        ("附近有什么好吃的餐厅", "travel_companion"),
    ],
)
def test_routing(text: str, agent: str) -> None:
    assert agents.route(text, list(first_party()), None).id == agent


def test_a_tie_stays_with_the_last_agent() -> None:
    assert agents.route("hmm", list(first_party()), "car_genius").id == "car_genius"
    assert agents.route("hmm", list(first_party()), None).id == "travel_companion"


def test_agents_offer_partner_tools_by_source() -> None:
    partner = spec("acme_parking_spots", "parking", "partner:acme")
    assert agents.TRAVEL_COMPANION.offers(partner) and not agents.CAR_GENIUS.offers(partner)
    names = {t.name for t in agents.CAR_GENIUS.subset(first_party())}
    assert "charging_start_session" in names


@pytest.mark.parametrize(
    ("said", "slot", "value"),
    [
        ("book a table for 4 at 7 tonight", "hour", 19),  # "at 7", not "for 4"
        ("table for 4 tonight at 8", "party", 4),
        ("a table for 7pm", "party", None),  # a time, not seven people
        ("a table for 7pm", "hour", 19),
        ("table for 2 for 7:30 pm", "party", 2),
        ("dinner for seven o'clock", "party", None),
        ("a table for 3 at 7pm", "party", 3),
        ("send thirty-five yuan to Bund Parking", "amount_minor", 3500),  # hyphenated tens
        ("need a hotel tonight, 2 nights", "nights", 2),
        ("今晚要住酒店，住两晚", "nights", 2),
        ("1号", "ordinal", 0),
        ("就第二家吧", "ordinal", 1),
        ("navigate to 新天地", "place", "新天地"),  # a place in the other script
        ("导航去 Xintiandi", "place", "Xintiandi"),
        ("这点电能开到杭州东站不", "place", "杭州东站"),  # a trailing 不 is the question, not the name
        ("actually, make it West Lake", "place", "West Lake"),
        ("can I make it to West Lake?", "place", "West Lake"),
    ],
)
def test_slots_found_by_the_second_held_out_set(said: str, slot: str, value: object) -> None:
    from assistant.understand import parse

    assert getattr(parse(said), slot) == value


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("where am I headed again?", "dest_ask"),
        ("actually, make it West Lake", "dest_change"),
        ("what bookings have I got", "list"),
        ("我有哪些预订", "list"),
        ("订个四个人的桌 今晚八点", "restaurant"),
    ],
)
def test_intents_found_by_the_second_held_out_set(said: str, intent: str) -> None:
    from assistant.understand import parse

    assert intent in parse(said).intents


def test_a_method_or_a_choice_alone_only_answers() -> None:
    from assistant.understand import answers_only, parse

    assert answers_only(parse("用支付宝")) and "pay" not in parse("用支付宝").intents
    assert answers_only(parse("the first one")) and answers_only(parse("第一个"))
    assert not answers_only(parse("take me to the first one")) and not answers_only(parse("find a charger"))
