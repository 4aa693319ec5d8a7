"""`Money.text(locale)`: the one way an amount is written for a driver. ¥8000 used to print four ways
(¥8000.00, JPY 8000.00, JP¥8000, ¥8000) depending on which presenter wrote it."""

from __future__ import annotations

import pytest

from cockpit.errors import ValidationFailed
from cockpit.money import Money
from cockpit.partners.model import confirmation_question


@pytest.mark.parametrize(
    ("amount", "currency", "en", "zh"),
    [
        (4550, "CNY", "¥45.50", "¥45.50"),
        (5, "CNY", "¥0.05", "¥0.05"),
        (0, "CNY", "¥0.00", "¥0.00"),
        (800000, "CNY", "¥8000.00", "¥8000.00"),
        # the yen has no minor unit (ISO 4217 exponent 0), and is never written like the yuan
        (8000, "JPY", "JP¥8000", "8000日元"),
        (1290, "EUR", "€12.90", "12.90欧元"),
        (999, "USD", "$9.99", "9.99美元"),
        (100, "GBP", "£1.00", "1.00英镑"),
        (12345, "HKD", "HK$123.45", "123.45港元"),
        (15000, "KRW", "₩15000", "15000韩元"),
        # a currency outside the table: its code, ISO 4217's usual two decimals
        (1200, "CHF", "CHF 12.00", "12.00 CHF"),
    ],
)
def test_each_currency_reads_one_way_per_locale(amount: int, currency: str, en: str, zh: str) -> None:
    money = Money(amount=amount, currency=currency)
    assert money.text("en-US") == en
    assert money.text("zh-CN") == zh


def test_the_four_old_ways_of_writing_8000_yen_are_one() -> None:
    yen = Money(amount=8000, currency="JPY")
    assert {yen.text("en-US"), yen.text("en-GB"), yen.text("fr-FR")} == {"JP¥8000"}
    assert yen.text("en-US") not in ("¥8000.00", "JPY 8000.00", "¥8000")
    assert Money(amount=8000, currency="CNY").text("en-US") == "¥80.00"  # the yuan keeps ¥ alone


def test_the_decimals_come_from_the_currency_not_the_writer() -> None:
    assert Money(amount=1, currency="JPY").text("en-US") == "JP¥1"
    assert Money(amount=1, currency="EUR").text("en-US") == "€0.01"
    assert Money(amount=10_000_000_00, currency="CNY").text("zh-CN") == "¥10000000.00"


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ({"amount": 4550, "currency": "CNY"}, Money(amount=4550, currency="CNY")),
        ({"amount": 4550, "currency": "CNY", "note": "x"}, None),  # not only money: not money
        ({"amount": -1, "currency": "CNY"}, None),
        ({"amount": 1, "currency": "cny"}, None),
        ({"amount": "1", "currency": "CNY"}, None),  # strict: a string is not an amount
        ({"amount": True, "currency": "CNY"}, None),
        ([4550, "CNY"], None),
        (None, None),
    ],
)
def test_money_is_exactly_an_amount_and_a_currency(value: object, parsed: Money | None) -> None:
    assert Money.parsed(value) == parsed


def test_a_partner_confirmation_speaks_money_as_the_presenters_do() -> None:
    # a money argument was refused as "not a short plain value"; it is now said as Money.text says it
    schema = {"properties": {"fee": {"title": "Fee"}}}
    fee = {"fee": {"amount": 8000, "currency": "JPY"}}
    en = confirmation_question("Reserve spot", "acme", fee, "en-US", input_schema=schema)
    zh = confirmation_question("预订车位", "acme", fee, "zh-CN", input_schema=schema)
    assert en == "Confirm Reserve spot with acme (Fee: JP¥8000)?"
    assert zh == "确认让acme执行“预订车位”（Fee：8000日元）？"
    with pytest.raises(ValidationFailed):  # anything else nested is still refused
        confirmation_question("x", "acme", {"fee": {"amount": 1, "currency": "JPY", "x": 1}}, "en-US")
