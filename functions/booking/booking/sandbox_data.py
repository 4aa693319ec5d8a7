"""The sandbox's venues and their slot schedule, in Shanghai, Beijing, Shenzhen, Hangzhou and Munich.

Deterministic: venues come from a seeded generator (every build is identical), and a venue's slots on
a given local day, with their capacity and price, are a pure function of (venue, day). So the sandbox
can always offer slots over the coming days relative to now, and tests can name them. The venues are
fictional; the places are real neighbourhoods.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from booking.ports import Kind, Venue
from cockpit.money import Money
from cockpit.vehicle import Point

_SEED = 20261101
_KM_PER_DEGREE = 111.32
KIND_CODES = {Kind.RESTAURANT: "R", Kind.PARKING: "P", Kind.SERVICE_APPOINTMENT: "S", Kind.HOTEL: "H"}
KINDS_BY_CODE = {code: kind for kind, code in KIND_CODES.items()}

# What a service centre can do. Cars report due items and fault codes; the service maps both onto these.
SERVICE_ITEMS = (
    "oil_change",
    "inspection",
    "brakes",
    "tyres",
    "battery_12v",
    "hv_battery",
    "air_conditioning",
    "diagnostics",
    "software_update",
    "wipers",
)


@dataclass(frozen=True)
class City:
    code: str
    name: str
    time_zone: str
    currency: str
    centre: Point
    districts: tuple[str, ...]
    streets: tuple[str, ...]


CITIES = (
    City("SHA", "Shanghai", "Asia/Shanghai", "CNY", Point(lat=31.2304, lon=121.4737),
         ("Huangpu", "Jing'an", "Xuhui", "Pudong", "Changning"),
         ("Nanjing Rd", "Huaihai Rd", "Century Ave", "Yan'an Rd", "Zhaojiabang Rd")),
    City("PEK", "Beijing", "Asia/Shanghai", "CNY", Point(lat=39.9042, lon=116.4074),
         ("Dongcheng", "Xicheng", "Chaoyang", "Haidian"),
         ("Chang'an Ave", "Wangfujing St", "Jianguo Rd", "Zhongguancun St")),
    City("SZX", "Shenzhen", "Asia/Shanghai", "CNY", Point(lat=22.5431, lon=114.0579),
         ("Futian", "Nanshan", "Luohu", "Bao'an"),
         ("Shennan Blvd", "Shenzhen Bay Rd", "Huaqiang Rd", "Binhe Ave")),
    City("HGH", "Hangzhou", "Asia/Shanghai", "CNY", Point(lat=30.2741, lon=120.1551),
         ("Xihu", "Shangcheng", "Binjiang", "Gongshu"),
         ("Yan'an Rd", "Hubin Rd", "Jiangnan Ave", "Wensan Rd")),
    City("MUC", "Munich", "Europe/Berlin", "EUR", Point(lat=48.1374, lon=11.5755),
         ("Altstadt", "Maxvorstadt", "Schwabing", "Haidhausen", "Sendling"),
         ("Marienplatz", "Leopoldstraße", "Sendlinger Str.", "Rosenheimer Str.", "Nymphenburger Str.")),
)  # fmt: skip

# Venues per city and kind, and the name parts they are drawn from.
COUNTS = {Kind.RESTAURANT: 8, Kind.PARKING: 8, Kind.SERVICE_APPOINTMENT: 5, Kind.HOTEL: 6}
_NAMES = {
    Kind.RESTAURANT: (("Jade", "Lotus", "Golden", "Harbour", "Garden", "Silk", "Lantern", "Bamboo"),
                      ("Kitchen", "Dumpling House", "Noodle Bar", "Bistro", "Grill", "Teahouse")),
    Kind.PARKING: (("Central", "Plaza", "Station", "Riverside", "Tower", "Market", "Park", "Gate"),
                   ("Car Park", "Parking Garage", "Underground Parking")),
    Kind.SERVICE_APPOINTMENT: (("AutoCare", "Bosch Car Service", "Dealer", "E-Drive", "QuickFit"),
                               ("Service Centre", "Workshop", "Service Point")),
    Kind.HOTEL: (("Grand", "Riverside", "Park", "City", "Garden", "Harbour"),
                 ("Hotel", "Suites", "Inn", "Residence")),
}  # fmt: skip
_BRANDS = ("NIO", "BYD", "Volkswagen", "BMW", "Tesla", "Li Auto")
# The same parts in Chinese, so a zh-CN session hears 金色饺子馆, not "Golden Dumpling House" (issue 14).
# A name is put together from these as the English one is; Chinese names have no spaces.
NAMES_ZH = {
    "Jade": "翡翠", "Lotus": "莲花", "Golden": "金色", "Harbour": "海港", "Garden": "花园", "Silk": "丝绸",
    "Lantern": "灯笼", "Bamboo": "竹林", "Kitchen": "小厨", "Dumpling House": "饺子馆", "Noodle Bar": "面馆",
    "Bistro": "小馆", "Grill": "烧烤", "Teahouse": "茶楼", "Central": "中央", "Plaza": "广场",
    "Station": "车站", "Riverside": "滨江", "Tower": "大厦", "Market": "市场", "Park": "公园", "Gate": "门楼",
    "Car Park": "停车场", "Parking Garage": "停车楼", "Underground Parking": "地下停车场",
    "AutoCare": "汽车关爱", "Bosch Car Service": "博世汽车服务", "Dealer": "4S店", "E-Drive": "电驱",
    "QuickFit": "快修", "Service Centre": "服务中心", "Workshop": "维修站", "Service Point": "服务点",
    "Grand": "君悦", "City": "城市", "Hotel": "酒店", "Suites": "套房酒店", "Inn": "客栈",
    "Residence": "公寓酒店", "NIO": "蔚来", "BYD": "比亚迪", "Volkswagen": "大众", "BMW": "宝马",
    "Tesla": "特斯拉", "Li Auto": "理想汽车",
}  # fmt: skip


def name_zh(name: str) -> str:
    """A venue's Chinese name, from the parts its English name is made of (the longest part first)."""
    out = name
    for english in sorted(NAMES_ZH, key=len, reverse=True):
        out = out.replace(english, NAMES_ZH[english])
    return out.replace(" ", "")


def _offset(centre: Point, rng: random.Random, max_km: float) -> Point:
    r = max_km * math.sqrt(rng.random())
    theta = rng.random() * 2 * math.pi
    dlat = r * math.cos(theta) / _KM_PER_DEGREE
    dlon = r * math.sin(theta) / (_KM_PER_DEGREE * math.cos(math.radians(centre.lat)))
    return Point(lat=round(centre.lat + dlat, 6), lon=round(centre.lon + dlon, 6))


def _venue(city: City, kind: Kind, n: int, rng: random.Random) -> Venue:
    first, second = _NAMES[kind]
    name = f"{rng.choice(first)} {rng.choice(second)}"
    services: tuple[str, ...] = ()
    brand = None
    if kind is Kind.SERVICE_APPOINTMENT:
        # every centre does diagnostics and inspections; the rest varies, and the first is a full-service one
        extra = SERVICE_ITEMS if n == 1 else tuple(i for i in SERVICE_ITEMS if rng.random() < 0.55)
        services = tuple(dict.fromkeys(("diagnostics", "inspection", *extra)))
        brand = rng.choice(_BRANDS)
        name = f"{brand} {name}" if name.startswith("Dealer") else name
    max_party = {Kind.RESTAURANT: rng.choice((6, 8, 10, 12)), Kind.HOTEL: rng.choice((2, 3, 4))}.get(kind, 1)
    # the first venue of each kind sits right at the centre, so demos always find one
    location = city.centre if n == 1 else _offset(city.centre, rng, 8.0)
    return Venue(
        id=f"{city.code}-{KIND_CODES[kind]}{n:02d}",
        kind=kind,
        name=name,
        name_zh=name_zh(name),
        address=f"{rng.randint(1, 999)} {rng.choice(city.streets)}, {rng.choice(city.districts)}, "
        f"{city.name}",
        city=city.name,
        location=location,
        time_zone=city.time_zone,
        currency=city.currency,
        max_party=max_party,
        services=services,
        brand=brand,
    )


@cache
def venues() -> dict[str, Venue]:
    rng = random.Random(_SEED)
    out: dict[str, Venue] = {}
    for city in CITIES:
        for kind, count in COUNTS.items():
            for n in range(1, count + 1):
                v = _venue(city, kind, n, rng)
                out[v.id] = v
    return out


@cache
def by_kind(kind: Kind) -> tuple[Venue, ...]:
    return tuple(v for v in venues().values() if v.kind is kind)


def city_of(venue: Venue) -> str:
    return venue.id.split("-")[0]


# -- the slot schedule ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotSpec:
    """A slot as the schedule defines it; its remaining capacity lives in DynamoDB."""

    id: str
    venue_id: str
    start: datetime
    end: datetime
    capacity: int
    price: Money  # what booking costs (zero when nothing is paid for the booking itself)
    requires_prepayment: bool
    cancellation_fee: Money | None
    free_cancellation_until: datetime | None


# One prepaid slot a day whose price is the payments sandbox's magic decline amount (…0402, like a card
# network's test number): booking it shows a declined prepayment end to end (¥104.02, 21:00 at PEK-P04).
DECLINING_VENUE, DECLINING_TIME, DECLINING_PRICE = "PEK-P04", time(21), 10402

# local start times and length of each kind's slots
_TIMES = {
    Kind.RESTAURANT: (tuple(time(h, m) for h, m in ((11, 30), (12, 0), (12, 30), (13, 0), (17, 30),
                                                    (18, 0), (18, 30), (19, 0), (19, 30), (20, 0))),
                      timedelta(minutes=90)),
    Kind.PARKING: (tuple(time(h) for h in range(7, 22, 2)), timedelta(hours=2)),
    Kind.SERVICE_APPOINTMENT: ((time(8), time(10), time(13), time(15)), timedelta(hours=2)),
    Kind.HOTEL: ((time(15),), timedelta(hours=20)),  # check-in 15:00, check-out 11:00 the next day
}  # fmt: skip


def _unit(*parts: object) -> int:
    """A stable number in [0, 1000) from the parts (the same every run and on every machine)."""
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8], 16) % 1000


def slot_id(venue_id: str, start_local: datetime) -> str:
    return f"{venue_id}.{start_local:%Y%m%dT%H%M}"


def day_schedule(venue: Venue, day: date) -> tuple[SlotSpec, ...]:
    """The venue's slots on this local day."""
    return _day_schedule(venue.id, day)


@lru_cache(maxsize=8192)
def _day_schedule(venue_id: str, day: date) -> tuple[SlotSpec, ...]:
    venue = venues()[venue_id]
    tz = ZoneInfo(venue.time_zone)
    times, length = _TIMES[venue.kind]
    return tuple(_spec(venue, datetime.combine(day, t, tzinfo=tz), length) for t in times)


def _spec(venue: Venue, start: datetime, length: timedelta) -> SlotSpec:
    h = _unit(venue.id)
    number = int(venue.id[-2:])
    cur = venue.currency
    major = 1 if cur == "EUR" else 7  # prices below in EUR; CNY roughly scaled
    price = Money(amount=0, currency=cur)
    fee = None
    prepay = False
    free_until = None
    if venue.kind is Kind.RESTAURANT:
        capacity = 8 + h % 17  # covers
        if number % 3 == 2:  # tasting menu: a no-show fee, cancelling is free until 24 h before
            fee = Money(amount=2000 * major, currency=cur)
            free_until = start - timedelta(hours=24)
    elif venue.kind is Kind.PARKING:
        capacity = 2 + h % 9  # bookable spaces
        price = Money(amount=(300 + 50 * (h % 5)) * major, currency=cur)
        prepay = number % 2 == 0  # the central garage (01) is pay-on-exit
        if venue.id == DECLINING_VENUE and start.time() == DECLINING_TIME:
            price = Money(amount=DECLINING_PRICE, currency=cur)  # the payments sandbox declines it
    elif venue.kind is Kind.SERVICE_APPOINTMENT:
        capacity = 1 + h % 3  # bays
    else:
        capacity = 3 + h % 8  # rooms
        price = Money(amount=(9000 + 1000 * (h % 9)) * major, currency=cur)
        prepay = h % 3 != 1
        fee = Money(amount=price.amount, currency=cur)  # one night, unless cancelled a day ahead
        free_until = start - timedelta(hours=24)
    # some slots are partly booked already by other guests (deterministic per slot)
    return SlotSpec(
        id=slot_id(venue.id, start),
        venue_id=venue.id,
        start=start,
        end=start + length,
        capacity=capacity,
        price=price,
        requires_prepayment=prepay,
        cancellation_fee=fee,
        free_cancellation_until=free_until,
    )


def spec(slot_id_: str) -> SlotSpec | None:
    """The slot a slot id names, or None (an unknown venue, a malformed time, or no slot at that time)."""
    venue_id, _, stamp = slot_id_.partition(".")
    venue = venues().get(venue_id)
    if venue is None:
        return None
    try:
        start = datetime.strptime(stamp, "%Y%m%dT%H%M").replace(tzinfo=ZoneInfo(venue.time_zone))
    except ValueError:
        return None
    return next((s for s in day_schedule(venue, start.date()) if s.id == slot_id_), None)


@lru_cache(maxsize=65536)
def already_taken(spec_: SlotSpec) -> int:
    """Units other guests booked before the sandbox opened (a stable share of the capacity)."""
    taken = _unit(spec_.id, "taken") % (spec_.capacity + 1)
    return min(taken, spec_.capacity - 1) if spec_.capacity > 1 else 0
