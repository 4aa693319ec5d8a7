from __future__ import annotations

import math
import re
from collections import Counter

from charging import pricing, sandbox_data
from charging.ports import (
    ConnectorStandard,
    EvseStatus,
    GeoPoint,
    Location,
    PowerType,
    TariffDimension,
)

CENTRES = {
    "Shanghai": GeoPoint(lat=31.2304, lon=121.4737),
    "Beijing": GeoPoint(lat=39.9042, lon=116.4074),
    "Shenzhen": GeoPoint(lat=22.5431, lon=114.0579),
    "Hangzhou": GeoPoint(lat=30.2741, lon=120.1551),
    "Munich": GeoPoint(lat=48.1374, lon=11.5755),
}


# (country, power type) -> the (standard, kW) pairs it may have.
ALLOWED = {
    ("CN", PowerType.DC): {(ConnectorStandard.GBT_DC, kw) for kw in range(60, 251)},
    ("CN", PowerType.AC_1_PHASE): {(ConnectorStandard.GBT_AC, 7)},
    ("DE", PowerType.DC): {(ConnectorStandard.IEC_62196_T2_COMBO, kw) for kw in range(50, 301)},
    ("DE", PowerType.AC_3_PHASE): {(ConnectorStandard.IEC_62196_T2, kw) for kw in range(11, 23)},
}


def km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance (haversine)."""
    dlat, dlon = math.radians(b.lat - a.lat), math.radians(b.lon - a.lon)
    h = (
        math.sin(dlat / 2) ** 2
        + math.cos(math.radians(a.lat)) * math.cos(math.radians(b.lat)) * math.sin(dlon / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def connectors(location: Location) -> list[tuple[EvseStatus, ConnectorStandard, PowerType, int]]:
    return [
        (evse.status, c.standard, c.power_type, c.max_electric_power // 1000)
        for evse in location.evses
        for c in evse.connectors
    ]


def test_two_builds_are_identical_and_fast() -> None:
    rebuilt = sandbox_data._build.__wrapped__()
    assert rebuilt == sandbox_data._build()
    assert tuple(rebuilt[0].values()) == sandbox_data.locations()


def test_counts_per_city() -> None:
    counts = Counter(loc.city for loc in sandbox_data.locations())

    assert counts == {"Shanghai": 100, "Beijing": 70, "Shenzhen": 60, "Hangzhou": 40, "Munich": 40}


def test_ids_are_unique_and_stable_in_shape() -> None:
    locations = sandbox_data.locations()
    uids = [evse.uid for loc in locations for evse in loc.evses]

    assert len({loc.id for loc in locations}) == len(locations)
    assert len(set(uids)) == len(uids)
    assert all(re.fullmatch(r"(CN-(SHA|PEK|SZX|HGH)|DE-MUC)-\d{4}", loc.id) for loc in locations)
    assert all(evse.uid.startswith(loc.id + "-E") for loc in locations for evse in loc.evses)
    assert locations[0].id == "CN-SHA-0001"
    assert locations[0].evses[0].uid == "CN-SHA-0001-E1"


def test_every_location_has_evses_with_one_or_two_connectors() -> None:
    for loc in sandbox_data.locations():
        assert len(loc.evses) >= 2, loc.id
        assert all(1 <= len(evse.connectors) <= 2 for evse in loc.evses), loc.id


def test_locations_spread_around_their_city_centre() -> None:
    distances = {
        city: [km(CENTRES[city], loc.coordinates) for loc in sandbox_data.locations() if loc.city == city]
        for city in CENTRES
    }

    for city, spread in distances.items():
        assert max(spread) <= 21, city
        assert max(spread) >= 8, city  # not all piled up in the centre
        assert min(spread) <= 2, city


def test_china_has_gbt_and_munich_ccs2_and_type2() -> None:
    for loc in sandbox_data.locations():
        china = loc.country_code == "CN"
        assert loc.time_zone == ("Asia/Shanghai" if china else "Europe/Berlin")
        for _, standard, power_type, kw in connectors(loc):
            assert (standard, kw) in ALLOWED[(loc.country_code, power_type)], (loc.id, standard, kw)


def test_statuses_are_mostly_available_with_some_faults() -> None:
    statuses = Counter(evse.status for loc in sandbox_data.locations() for evse in loc.evses)
    total = sum(statuses.values())

    assert statuses[EvseStatus.AVAILABLE] / total > 0.75
    for status in (EvseStatus.CHARGING, EvseStatus.OUTOFORDER, EvseStatus.INOPERATIVE):
        assert statuses[status] > 0


def test_peoples_square_has_two_available_fast_gbt_chargers_within_1_5_km() -> None:
    near = [
        loc
        for loc in sandbox_data.locations()
        if km(sandbox_data.PEOPLES_SQUARE, loc.coordinates) <= 1.5
        and any(
            status is EvseStatus.AVAILABLE and standard is ConnectorStandard.GBT_DC and kw >= 60
            for status, standard, _, kw in connectors(loc)
        )
    ]

    assert len(near) >= 2


def test_marienplatz_has_an_available_ccs2_within_2_km() -> None:
    assert any(
        km(sandbox_data.MARIENPLATZ, loc.coordinates) <= 2
        and any(
            status is EvseStatus.AVAILABLE and standard is ConnectorStandard.IEC_62196_T2_COMBO
            for status, standard, _, _ in connectors(loc)
        )
        for loc in sandbox_data.locations()
    )


def test_every_connector_tariff_exists_in_the_country_currency() -> None:
    tariffs = sandbox_data.tariffs()

    for loc in sandbox_data.locations():
        for evse in loc.evses:
            for connector in evse.connectors:
                assert connector.tariff_ids, connector
                for tariff_id in connector.tariff_ids:
                    assert tariffs[tariff_id].currency == ("CNY" if loc.country_code == "CN" else "EUR")


def test_tariff_prices_are_realistic() -> None:
    for tariff in sandbox_data.tariffs().values():
        per_kwh = pricing.price_per_kwh(tariff)
        assert per_kwh is not None
        low, high = (80, 200) if tariff.currency == "CNY" else (49, 79)
        assert low <= per_kwh.amount <= high, tariff
        if tariff.currency == "CNY":
            assert pricing.component(tariff, TariffDimension.TIME) is None


def test_lookups() -> None:
    first = sandbox_data.locations()[0]

    assert sandbox_data.location(first.id) == first
    assert sandbox_data.location("XX-NOPE-0001") is None
    assert sandbox_data.tariff("no-such-tariff") is None
    copy = sandbox_data.tariffs()
    copy.clear()
    assert sandbox_data.tariffs()
