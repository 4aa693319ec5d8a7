"""What the driver is asked, and what a station looks like to the assistant."""

from __future__ import annotations

from charging import presenter, sandbox_data
from charging.models import FindStationsArgs, Point, Standard
from charging.ports import Location


def station(station_id: str) -> Location:
    found = sandbox_data.location(station_id)
    assert found is not None
    return found


def test_the_question_names_a_charge_point_only_when_the_driver_chose_it() -> None:
    loc = station("CN-SHA-0001")
    evse = loc.evses[0]
    chosen = presenter.start_question(loc, evse, True, sandbox_data.tariff, "en-US")
    best = presenter.start_question(loc, evse, False, sandbox_data.tariff, "en-US")
    assert evse.uid in chosen and "up to" not in chosen
    assert evse.uid not in best and "up to 120 kW GB/T DC" in best and "¥" in best


def test_the_question_speaks_chinese() -> None:
    loc = station("CN-SHA-0001")
    question = presenter.start_question(loc, loc.evses[0], False, sandbox_data.tariff, "zh-CN")
    assert question.startswith("要在") and "开始充电" in question and "千瓦" in question


def test_filters_look_at_usable_connectors() -> None:
    view = presenter.station(station("DE-MUC-0001"), sandbox_data.tariff, distance_km=0.3)
    here = Point(lat=48.1374, lon=11.5755)
    assert presenter.matches(view, FindStationsArgs(location=here, connectors=[Standard.CCS2]))
    assert not presenter.matches(view, FindStationsArgs(location=here, connectors=[Standard.GB_T_DC]))
    assert not presenter.matches(view, FindStationsArgs(location=here, min_power_kw=1000))
    assert view.price is not None and view.price.per_kwh.currency == "EUR"
