"""The confirmation question names the venue, the time in the venue's zone, the prepayment and the fee."""

from __future__ import annotations

from datetime import date

from booking import presenter
from booking import sandbox_data as data
from booking.ports import Slot
from booking.sandbox import _slot
from cockpit.money import Money


def hotel_slot(venue_id: str) -> Slot:
    venue = data.venues()[venue_id]
    (spec,) = data.day_schedule(venue, date(2026, 12, 1))
    return _slot(spec, venue, 3)


def test_english_and_chinese_questions() -> None:
    slot = hotel_slot("SHA-H01")
    en = presenter.question(slot, 2, "pm_visa", "en-US")
    assert slot.venue.name in en and "Tue 01 Dec 15:00" in en and "Wed 02 Dec 11:00" in en
    assert "for 2" in en and "costs ¥" in en and en.endswith("?")
    zh = presenter.question(slot, 2, "pm_visa", "zh-CN")
    assert "12月01日 15:00" in zh and "2人" in zh and zh.endswith("确认预订吗？")


def test_money_is_written_as_everywhere_else() -> None:
    # booking once wrote ¥8000 as "JPY 8000.00" (no yen symbol, two decimals); Money.text decides now
    slot = hotel_slot("SHA-H01")
    yen = slot.model_copy(update={"price": Money(amount=8000, currency="JPY"), "requires_prepayment": True})
    assert "prepaid JP¥8000" in presenter.question(yen, 1, None, "en-US")
    assert "需预付8000日元" in presenter.question(yen, 1, None, "zh-CN")
    euro = slot.model_copy(update={"price": Money(amount=1250, currency="EUR"), "requires_prepayment": True})
    assert "prepaid €12.50" in presenter.question(euro, 1, None, "en-US")
    assert "需预付12.50欧元" in presenter.question(euro, 1, None, "zh-CN")
