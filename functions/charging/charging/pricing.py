"""What a charging session costs under an OCPI-shaped tariff.

Pure functions, no I/O. OCPI semantics, trimmed to tariffs without restrictions:

- each dimension is priced by the first price component of that type, element by element;
- ENERGY is per kWh, TIME per hour charging, PARKING_TIME per hour plugged in but not charging,
  FLAT once per session;
- `step_size` is the billing granularity (Wh for ENERGY, seconds for the time dimensions): the
  volume is rounded up to a whole number of steps;
- prices are excl. VAT; a component's `vat` (percent) is added when given;
- the total is rounded to the currency's minor unit once, at the end.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from charging.ports import PriceComponent, Tariff, TariffDimension
from cockpit.money import Money

Quantity = Decimal | int | float

# Base unit of each metered dimension, and how many base units the price is quoted for.
_WH_PER_KWH = Decimal(1000)
_SECONDS_PER_HOUR = Decimal(3600)


def component(tariff: Tariff, dimension: TariffDimension) -> PriceComponent | None:
    """The component that prices `dimension` (OCPI: the first element that has one)."""
    for element in tariff.elements:
        for candidate in element:
            if candidate.type is dimension:
                return candidate
    return None


def cost(
    tariff: Tariff,
    kwh: Quantity,
    charging_minutes: Quantity = 0,
    parking_minutes: Quantity = 0,
) -> Money:
    """The cost of a session that delivered `kwh` in `charging_minutes`, then idled `parking_minutes`."""
    volumes = {
        # dimension: (volume in base units, base units the price is quoted for)
        TariffDimension.ENERGY: (_decimal(kwh) * _WH_PER_KWH, _WH_PER_KWH),
        TariffDimension.TIME: (_decimal(charging_minutes) * 60, _SECONDS_PER_HOUR),
        TariffDimension.PARKING_TIME: (_decimal(parking_minutes) * 60, _SECONDS_PER_HOUR),
    }
    flat = component(tariff, TariffDimension.FLAT)
    total = _with_vat(flat.price, flat) if flat else Decimal(0)
    for dimension, (volume, per) in volumes.items():
        priced = component(tariff, dimension)
        if priced is not None and volume > 0:
            total += _with_vat(priced.price * _billed(volume, priced.step_size) / per, priced)
    return Money.from_major(total, tariff.currency)


def estimate(tariff: Tariff, kwh: Quantity = 30, minutes: Quantity = 30) -> Money:
    """A typical session's cost, for price comparisons: `kwh` delivered in `minutes`, no idling."""
    return cost(tariff, kwh, charging_minutes=minutes)


def unit_price(tariff: Tariff, dimension: TariffDimension) -> Money | None:
    """The incl.-VAT price of one unit of `dimension` (kWh, hour or session), or None if not priced."""
    priced = component(tariff, dimension)
    return Money.from_major(_with_vat(priced.price, priced), tariff.currency) if priced else None


def price_per_kwh(tariff: Tariff) -> Money | None:
    return unit_price(tariff, TariffDimension.ENERGY)


def flat_fee(tariff: Tariff) -> Money | None:
    return unit_price(tariff, TariffDimension.FLAT)


def price_per_hour(tariff: Tariff) -> Money | None:
    """Per hour of charging time (OCPI TIME)."""
    return unit_price(tariff, TariffDimension.TIME)


def parking_per_hour(tariff: Tariff) -> Money | None:
    """Per hour plugged in but not charging (OCPI PARKING_TIME)."""
    return unit_price(tariff, TariffDimension.PARKING_TIME)


def _decimal(value: Quantity) -> Decimal:
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    if amount < 0:
        raise ValueError(f"a session quantity cannot be negative: {value}")
    return amount


def _billed(volume: Decimal, step_size: int) -> Decimal:
    """`volume` rounded up to a whole number of steps."""
    step = Decimal(max(step_size, 1))
    return (volume / step).to_integral_value(rounding=ROUND_CEILING) * step


def _with_vat(amount: Decimal, priced: PriceComponent) -> Decimal:
    return amount if priced.vat is None else amount * (1 + priced.vat / 100)
