from __future__ import annotations

from decimal import Decimal

import pytest

from charging import pricing
from charging.ports import PriceComponent, Tariff, TariffDimension
from cockpit.money import Money

ENERGY, FLAT, TIME, PARKING = (
    TariffDimension.ENERGY,
    TariffDimension.FLAT,
    TariffDimension.TIME,
    TariffDimension.PARKING_TIME,
)


def tariff(*components: PriceComponent, currency: str = "EUR") -> Tariff:
    return Tariff(id="T1", currency=currency, elements=(components,))


def part(dimension: TariffDimension, price: str, *, vat: str | None = None, step: int = 1) -> PriceComponent:
    return PriceComponent(
        type=dimension, price=Decimal(price), vat=Decimal(vat) if vat else None, step_size=step
    )


def test_energy_is_priced_per_kwh() -> None:
    assert pricing.cost(tariff(part(ENERGY, "1.50"), currency="CNY"), Decimal(30)) == Money(
        amount=4500, currency="CNY"
    )


def test_energy_is_billed_in_whole_steps_of_wh() -> None:
    per_wh = tariff(part(ENERGY, "0.59"))
    per_kwh = tariff(part(ENERGY, "0.59", step=1000))

    assert pricing.cost(per_wh, Decimal("10.0004")).amount == 590  # 10001 Wh
    assert pricing.cost(per_kwh, Decimal("10.2")).amount == 649  # rounded up to 11 kWh


def test_time_is_priced_per_hour_and_billed_in_steps_of_seconds() -> None:
    per_minute = tariff(part(TIME, "2.40", step=60))
    per_quarter = tariff(part(TIME, "2.40", step=900))

    assert pricing.cost(per_minute, 0, charging_minutes=30).amount == 120
    assert pricing.cost(per_minute, 0, charging_minutes=Decimal("30.5")).amount == 124  # 31 minutes
    assert pricing.cost(per_quarter, 0, charging_minutes=20).amount == 120  # 30 minutes


def test_parking_time_counts_only_the_idle_minutes() -> None:
    parked = tariff(part(ENERGY, "1.00"), part(PARKING, "6", step=900), currency="CNY")

    assert pricing.cost(parked, 10, charging_minutes=60).amount == 1000
    assert pricing.cost(parked, 10, charging_minutes=60, parking_minutes=10).amount == 1000 + 150


def test_flat_fee_is_charged_once_even_without_energy() -> None:
    flat = tariff(part(ENERGY, "0.59"), part(FLAT, "0.99"))

    assert pricing.cost(flat, 0).amount == 99
    assert pricing.cost(flat, 10).amount == 99 + 590


def test_vat_is_added_per_component_when_given() -> None:
    taxed = tariff(part(ENERGY, "0.50", vat="19"), part(FLAT, "1.00"))

    assert pricing.cost(taxed, 10).amount == 595 + 100


def test_first_component_of_each_dimension_wins() -> None:
    two_elements = Tariff(
        id="T2",
        currency="EUR",
        elements=((part(ENERGY, "0.30"),), (part(ENERGY, "0.99"), part(FLAT, "1.00"))),
    )

    assert pricing.cost(two_elements, 10).amount == 300 + 100
    assert pricing.component(two_elements, ENERGY) == part(ENERGY, "0.30")
    assert pricing.component(two_elements, TIME) is None


def test_total_is_rounded_once_at_the_end() -> None:
    thirds = tariff(part(ENERGY, "0.333"), part(TIME, "0.333"))

    assert pricing.cost(thirds, 1, charging_minutes=60).amount == 67  # 0.666, not 0.33 + 0.33


def test_estimate_is_30_kwh_in_30_minutes_by_default() -> None:
    blocking = tariff(part(ENERGY, "0.50"), part(TIME, "2.00", step=60), part(PARKING, "9.00"))

    assert pricing.estimate(blocking) == Money(amount=1500 + 100, currency="EUR")
    assert pricing.estimate(blocking, kwh=Decimal(10), minutes=60).amount == 500 + 200


def test_unit_prices_as_money_incl_vat() -> None:
    full = tariff(
        part(ENERGY, "0.50", vat="19"), part(FLAT, "0.35"), part(TIME, "1.20"), part(PARKING, "6.00")
    )

    assert pricing.price_per_kwh(full) == Money(amount=60, currency="EUR")  # 0.595 rounded
    assert pricing.flat_fee(full) == Money(amount=35, currency="EUR")
    assert pricing.price_per_hour(full) == Money(amount=120, currency="EUR")
    assert pricing.parking_per_hour(full) == Money(amount=600, currency="EUR")
    assert pricing.flat_fee(tariff(part(ENERGY, "0.50"))) is None


def test_negative_quantities_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        pricing.cost(tariff(part(ENERGY, "0.50")), Decimal(-1))
