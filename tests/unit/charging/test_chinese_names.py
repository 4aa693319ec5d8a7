"""The sandbox's Chinese stations have Chinese names; a zh-CN session reads them (issue 14)."""

from __future__ import annotations

import pytest

from charging.sandbox_data import name_zh


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("State Grid People's Square Underground P1", "国家电网人民广场地下P1"),
        ("TELD New Energy Hongqiao Hub Charging Station", "特来电虹桥枢纽充电站"),
        ("Shanghai Star Charging West Lake Charging Station", "上海星星充电西湖充电站"),
        ("NIO Power Expo Park Charging Station", "蔚来能源世博园充电站"),
    ],
)
def test_a_chinese_stations_name_in_chinese(english: str, chinese: str) -> None:
    assert name_zh(english) == chinese


@pytest.mark.parametrize(
    "name", ["SWM Ladepunkt Marienplatz Tiefgarage", "Ionity München Hauptbahnhof", "Acme"]
)
def test_a_name_without_a_chinese_form_stays_as_it_is(name: str) -> None:
    assert name_zh(name) is None
