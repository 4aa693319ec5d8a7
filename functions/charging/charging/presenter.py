"""From OCPI-shaped CPO data to what a driver's assistant sees: station views, filters, spoken questions."""

from __future__ import annotations

from collections.abc import Callable

from charging import pricing
from charging.models import (
    FROM_OCPI,
    ConnectorView,
    Estimate,
    EvseConnectorView,
    EvseView,
    FindStationsArgs,
    Point,
    PriceView,
    StationView,
)
from charging.ports import Evse, EvseStatus, Location, Tariff
from charging.sandbox_data import name_zh
from cockpit.money import Money

ESTIMATE_KWH = 30
# A detour leaves the route and comes back: about twice the distance off the route.
DETOUR_FACTOR = 2.0

TariffLookup = Callable[[str], Tariff | None]


def station(
    loc: Location,
    tariff_of: TariffLookup,
    *,
    distance_km: float | None = None,
    off_route_km: float | None = None,
    with_evses: bool = False,
    locale: str = "en-US",
) -> StationView:
    connectors = [
        ConnectorView(
            standard=FROM_OCPI[c.standard], power_kw=c.max_electric_power / 1000, status=e.status.value
        )
        for e in loc.evses
        for c in e.connectors
    ]
    return StationView(
        id=loc.id,
        name=display_name(loc, locale),
        operator=loc.operator,
        address=loc.address,
        city=loc.city,
        location=Point(lat=loc.coordinates.lat, lon=loc.coordinates.lon),
        distance_km=None if distance_km is None else round(distance_km, 2),
        detour_km=None if off_route_km is None else round(off_route_km * DETOUR_FACTOR, 2),
        max_power_kw=max((c.power_kw for c in connectors), default=0.0),
        available_evses=sum(1 for e in loc.evses if e.status is EvseStatus.AVAILABLE),
        total_evses=len(loc.evses),
        connectors=connectors,
        price=price(_best_tariff(loc, tariff_of)),
        evses=[evse(e) for e in loc.evses] if with_evses else None,
    )


def evse(e: Evse) -> EvseView:
    return EvseView(
        uid=e.uid,
        status=e.status.value,
        connectors=[
            EvseConnectorView(id=c.id, standard=FROM_OCPI[c.standard], power_kw=c.max_electric_power / 1000)
            for c in e.connectors
        ],
    )


def _best_tariff(loc: Location, tariff_of: TariffLookup) -> Tariff | None:
    """The tariff of the most powerful connector (what a driver in a hurry will pay)."""
    ranked = sorted((c for e in loc.evses for c in e.connectors), key=lambda c: -c.max_electric_power)
    for connector in ranked:
        for tariff_id in connector.tariff_ids:
            found = tariff_of(tariff_id)
            if found is not None:
                return found
    return None


def price(tariff: Tariff | None) -> PriceView | None:
    per_kwh = pricing.price_per_kwh(tariff) if tariff else None
    if tariff is None or per_kwh is None:
        return None
    return PriceView(
        currency=tariff.currency,
        per_kwh=per_kwh,
        flat=pricing.flat_fee(tariff),
        per_hour=pricing.price_per_hour(tariff),
        estimate=Estimate(kwh=ESTIMATE_KWH, cost=pricing.estimate(tariff, kwh=ESTIMATE_KWH)),
    )


def matches(view: StationView, args: FindStationsArgs) -> bool:
    usable = [c for c in view.connectors if args.connectors is None or c.standard in args.connectors]
    if args.min_power_kw is not None:
        usable = [c for c in usable if c.power_kw >= args.min_power_kw]
    if args.available_only:
        usable = [c for c in usable if c.status == EvseStatus.AVAILABLE.value]
    return bool(usable)


def display_name(loc: Location, locale: str) -> str:
    """The station's name in the session's language: the Chinese name where the data has one."""
    return (name_zh(loc.name) or loc.name) if locale == "zh-CN" else loc.name


def start_question(loc: Location, chosen: Evse, named: bool, tariff_of: TariffLookup, locale: str) -> str:
    """The confirmation question, in the driver's language. It names the charge point only when the
    driver chose it (`named`): otherwise the best free one is taken when the driver says yes, which
    may no longer be the one free now, so the question promises the station and "up to" its power."""
    power = max(c.max_electric_power for c in chosen.connectors) / 1000
    standard = FROM_OCPI[chosen.connectors[0].standard].value.replace("_", "/", 1).replace("_", " ")
    quote = price(_best_tariff(loc, tariff_of))
    if locale == "zh-CN":
        cost = f"，每度电{quote.per_kwh.text(locale)}" if quote else ""
        where = f"{display_name(loc, locale)}的{chosen.uid}号充电桩" if named else display_name(loc, locale)
        up_to = "" if named else "最高"
        return f"要在{where}开始充电吗？（{up_to}{power:g}千瓦 {standard}{cost}）"
    cost = f", {quote.per_kwh.text(locale)} per kWh" if quote else ""
    where = f"{loc.name}, charge point {chosen.uid}" if named else loc.name
    up_to = "" if named else "up to "
    return f"Start charging at {where} ({up_to}{power:g} kW {standard}{cost})?"


def hold_note(hold: Money, method_label: str, locale: str) -> str:
    """What the start question adds when a payment method pre-authorizes the session."""
    if locale == "zh-CN":
        return f"将在{method_label}上预授权最多{hold.text(locale)}，结束后按实际费用扣款。"
    return (
        f"A hold of up to {hold.text(locale)} goes on your {method_label}; only the actual cost is charged."
    )
