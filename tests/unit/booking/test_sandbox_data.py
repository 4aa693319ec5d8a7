"""The sandbox's venues and schedule are deterministic, cover the five cities, and name their own slots."""

from __future__ import annotations

from datetime import date, timedelta

from booking import sandbox_data as data
from booking.ports import Kind


def test_five_cities_every_kind_unique_ids() -> None:
    venues = data.venues()
    cities = {v.city for v in venues.values()}
    assert cities == {"Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Munich"}
    per_city_kind = {(v.city, v.kind) for v in venues.values()}
    assert len(per_city_kind) == 5 * len(Kind)
    assert len(venues) == 5 * sum(data.COUNTS.values())


def test_the_same_every_build() -> None:
    data.venues.cache_clear()
    data.by_kind.cache_clear()
    again = data.venues()
    assert again["SHA-R01"].location == data.CITIES[0].centre
    assert again["MUC-H03"].currency == "EUR" and again["PEK-S02"].currency == "CNY"


def test_service_centres_all_do_diagnostics_and_one_does_everything() -> None:
    centres = data.by_kind(Kind.SERVICE_APPOINTMENT)
    assert all({"diagnostics", "inspection"} <= set(c.services) for c in centres)
    assert set(data.venues()["SHA-S01"].services) == set(data.SERVICE_ITEMS)


def test_a_day_schedule_is_a_pure_function_of_venue_and_day() -> None:
    venue = data.venues()["SHA-R02"]
    day = date(2026, 12, 1)
    first, again = data.day_schedule(venue, day), data.day_schedule(venue, day)
    assert first == again and len(first) == 10
    assert [s.start.hour for s in first][:2] == [11, 12]
    for s in first:
        assert data.spec(s.id) == s
        assert 0 <= data.already_taken(s) < s.capacity
        assert s.start.utcoffset() == timedelta(hours=8)


def test_hotel_nights_and_munich_time_zone() -> None:
    (night,) = data.day_schedule(data.venues()["MUC-H01"], date(2026, 7, 1))
    assert night.start.utcoffset() == timedelta(hours=2)  # CEST
    assert night.end - night.start == timedelta(hours=20) and night.requires_prepayment in (True, False)
    assert night.cancellation_fee == night.price and night.free_cancellation_until == night.start - timedelta(
        hours=24
    )


def test_slot_ids_that_name_nothing() -> None:
    assert data.spec("SHA-R01.20261201T1915") is None  # no slot at 19:15
    assert data.spec("XXX-R01.20261201T1900") is None  # no such venue
    assert data.spec("SHA-R01.20261301T1900") is None  # no 13th month


def test_every_venue_has_a_chinese_name_made_of_its_parts() -> None:
    import re

    for v in data.venues().values():
        assert v.name_zh and re.fullmatch(r"[\u3400-\u9fff0-9]+S?[\u3400-\u9fff]*", v.name_zh), (
            v.id,
            v.name_zh,
        )
        assert v.display_name("zh-CN") == v.name_zh and v.display_name("en-US") == v.name
    assert data.name_zh("Golden Dumpling House") == "金色饺子馆"
    assert data.name_zh("Park Underground Parking") == "公园地下停车场"  # the longest part first
    assert data.name_zh("BMW Dealer Service Centre") == "宝马4S店服务中心"
