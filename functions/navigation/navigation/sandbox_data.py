"""The simulated places data set: landmarks, cafés, restaurants, parking, hotels, fuel and service centres
in Shanghai, Beijing, Shenzhen, Hangzhou and Munich (the charging sandbox's five cities).

Deterministic (a seeded generator): every build is identical. Built on first use and cached. Brands
and landmarks are real names so that drivers' words match ("星巴克", "parking near the Bund"); the
branches, their addresses, hours, prices and spaces are fictional. Every name and address exists in
English and in Chinese (Munich's street names stay German). Charging stations are not here: the
charging domain owns them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from cockpit.money import Money
from cockpit.vehicle import Point
from navigation.ports import Category, OpeningHours, Parking, Period, Place

_SEED = 20250601
_KM_PER_DEGREE = 111.32
ALL_WEEK = tuple(range(7))

Names = tuple[str, str]  # (English, Chinese)


@dataclass(frozen=True)
class City:
    code: str
    names: Names
    country_code: str
    time_zone: str
    currency: str
    centre: Point
    radius_km: float
    parking_per_hour: Decimal
    landmarks: tuple[tuple[Names, float, float, str], ...]  # names, lat, lon, hours
    districts: tuple[Names, ...]
    streets: tuple[Names, ...]
    arterials: tuple[Names, ...]
    highway: Names


CITIES = (
    City(
        "SHA",
        ("Shanghai", "上海"),
        "CN",
        "Asia/Shanghai",
        "CNY",
        Point(lat=31.2304, lon=121.4737),
        14.0,
        Decimal("15"),
        (
            (("The Bund", "外滩"), 31.2400, 121.4900, "24/7"),
            (("People's Square", "人民广场"), 31.2304, 121.4737, "24/7"),
            (("Oriental Pearl Tower", "东方明珠"), 31.2397, 121.4998, "Mo-Su 09:00-21:30"),
            (("Yu Garden", "豫园"), 31.2272, 121.4921, "Tu-Su 09:00-16:30"),
            (("Xintiandi", "新天地"), 31.2196, 121.4747, "Mo-Su 10:00-23:00"),
            (("Hongqiao Railway Station", "虹桥火车站"), 31.1945, 121.3205, "Mo-Su 05:30-24:00"),
        ),
        (
            ("Huangpu", "黄浦"),
            ("Jing'an", "静安"),
            ("Xuhui", "徐汇"),
            ("Pudong", "浦东"),
            ("Changning", "长宁"),
            ("Hongkou", "虹口"),
        ),
        (
            ("Zhongshan East 1st Road", "中山东一路"),
            ("Nanjing East Road", "南京东路"),
            ("Nanjing West Road", "南京西路"),
            ("Huaihai Middle Road", "淮海中路"),
            ("Century Avenue", "世纪大道"),
            ("Henan Middle Road", "河南中路"),
            ("Xizang Middle Road", "西藏中路"),
        ),
        (
            ("Yan'an Elevated Road", "延安高架路"),
            ("Inner Ring Elevated Road", "内环高架路"),
            ("North-South Elevated Road", "南北高架路"),
        ),
        ("G60 Shanghai-Kunming Expressway", "G60沪昆高速"),
    ),
    City(
        "PEK",
        ("Beijing", "北京"),
        "CN",
        "Asia/Shanghai",
        "CNY",
        Point(lat=39.9042, lon=116.4074),
        14.0,
        Decimal("12"),
        (
            (("Forbidden City", "故宫"), 39.9163, 116.3972, "Tu-Su 08:30-17:00"),
            (("Tiananmen Square", "天安门广场"), 39.9055, 116.3976, "Mo-Su 05:00-22:00"),
            (("Sanlitun", "三里屯"), 39.9334, 116.4548, "Mo-Su 10:00-22:00"),
            (("Olympic Park", "奥林匹克公园"), 39.9929, 116.3965, "24/7"),
            (("Guomao", "国贸"), 39.9088, 116.4605, "Mo-Su 10:00-22:00"),
        ),
        (("Dongcheng", "东城"), ("Xicheng", "西城"), ("Chaoyang", "朝阳"), ("Haidian", "海淀")),
        (
            ("Chang'an Avenue", "长安街"),
            ("Jianguo Road", "建国路"),
            ("Wangfujing Street", "王府井大街"),
            ("Zhongguancun Street", "中关村大街"),
            ("Sanlitun Road", "三里屯路"),
        ),
        (
            ("2nd Ring Road", "二环路"),
            ("3rd Ring Road", "三环路"),
            ("East 3rd Ring Middle Road", "东三环中路"),
        ),
        ("G4 Beijing-Hong Kong-Macau Expressway", "G4京港澳高速"),
    ),
    City(
        "SZX",
        ("Shenzhen", "深圳"),
        "CN",
        "Asia/Shanghai",
        "CNY",
        Point(lat=22.5431, lon=114.0579),
        14.0,
        Decimal("10"),
        (
            (("Window of the World", "世界之窗"), 22.5367, 113.9737, "Mo-Su 09:00-22:00"),
            (("Civic Center", "市民中心"), 22.5431, 114.0579, "24/7"),
            (("Shenzhen Bay Park", "深圳湾公园"), 22.5160, 113.9530, "24/7"),
            (("Huaqiangbei", "华强北"), 22.5460, 114.0880, "Mo-Su 09:30-21:00"),
        ),
        (("Futian", "福田"), ("Nanshan", "南山"), ("Luohu", "罗湖"), ("Bao'an", "宝安")),
        (
            ("Shennan Boulevard", "深南大道"),
            ("Binhe Avenue", "滨河大道"),
            ("Huaqiang North Road", "华强北路"),
            ("Keyuan Road", "科苑路"),
        ),
        (("Beihuan Avenue", "北环大道"), ("Binhai Avenue", "滨海大道")),
        ("G4 Beijing-Hong Kong-Macau Expressway", "G4京港澳高速"),
    ),
    City(
        "HGH",
        ("Hangzhou", "杭州"),
        "CN",
        "Asia/Shanghai",
        "CNY",
        Point(lat=30.2741, lon=120.1551),
        12.0,
        Decimal("8"),
        (
            (("West Lake", "西湖"), 30.2590, 120.1388, "24/7"),
            (("Wulin Square", "武林广场"), 30.2741, 120.1640, "24/7"),
            (("Hangzhou East Railway Station", "杭州东站"), 30.2910, 120.2130, "Mo-Su 05:30-24:00"),
            (("Xixi Wetland", "西溪湿地"), 30.2690, 120.0640, "Mo-Su 08:30-17:30"),
        ),
        (("Shangcheng", "上城"), ("Xihu", "西湖"), ("Gongshu", "拱墅"), ("Binjiang", "滨江")),
        (
            ("Nanshan Road", "南山路"),
            ("Yan'an Road", "延安路"),
            ("Hubin Road", "湖滨路"),
            ("Wensan Road", "文三路"),
        ),
        (("Shangtang Elevated Road", "上塘高架路"), ("Zhonghe Elevated Road", "中河高架路")),
        ("G60 Shanghai-Kunming Expressway", "G60沪昆高速"),
    ),
    City(
        "MUC",
        ("Munich", "慕尼黑"),
        "DE",
        "Europe/Berlin",
        "EUR",
        Point(lat=48.1374, lon=11.5755),
        10.0,
        Decimal("3.50"),
        (
            (("Marienplatz", "玛利亚广场"), 48.1374, 11.5755, "24/7"),
            (("English Garden", "英国花园"), 48.1642, 11.6056, "24/7"),
            (("BMW Welt", "宝马世界"), 48.1771, 11.5562, "Mo-Su 09:00-18:00"),
            (("Allianz Arena", "安联球场"), 48.2188, 11.6247, "Mo-Su 10:00-18:00"),
            (("Munich Central Station", "慕尼黑中央火车站"), 48.1402, 11.5600, "24/7"),
        ),
        (
            ("Altstadt", "老城"),
            ("Schwabing", "施瓦宾"),
            ("Maxvorstadt", "马克斯郊区"),
            ("Bogenhausen", "博根豪森"),
        ),
        (
            ("Leopoldstraße", "Leopoldstraße"),
            ("Maximilianstraße", "Maximilianstraße"),
            ("Sendlinger Straße", "Sendlinger Straße"),
            ("Ludwigstraße", "Ludwigstraße"),
            ("Dachauer Straße", "Dachauer Straße"),
        ),
        (("Mittlerer Ring", "Mittlerer Ring"), ("Altstadtring", "Altstadtring")),
        ("A9", "A9高速"),
    ),
)

# (names, hours) per brand; Chinese cities first, then Munich.
_BRANDS: dict[Category, tuple[tuple[tuple[Names, str], ...], tuple[tuple[Names, str], ...]]] = {
    Category.CAFE: (
        (
            (("Starbucks", "星巴克"), "Mo-Su 07:00-22:00"),
            (("Luckin Coffee", "瑞幸咖啡"), "Mo-Su 07:30-20:00"),
            (("Manner Coffee", "Manner咖啡"), "Mo-Fr 07:30-19:00"),
            (("Costa Coffee", "咖世家"), "Mo-Su 08:00-21:00"),
        ),
        (
            (("Starbucks", "星巴克"), "Mo-Su 07:00-21:00"),
            (("Café Luitpold", "路易特波尔德咖啡馆"), "Mo-Sa 08:00-19:00"),
            (("Coffee Fellows", "咖啡伙伴"), "Mo-Su 07:00-20:00"),
        ),
    ),
    Category.RESTAURANT: (
        (
            (("Haidilao Hot Pot", "海底捞火锅"), "Mo-Su 10:00-03:00"),
            (("Din Tai Fung", "鼎泰丰"), "Mo-Su 11:00-21:30"),
            (("Xibei", "西贝莜面村"), "Mo-Su 10:30-21:30"),
            (("KFC", "肯德基"), "24/7"),
            (("McDonald's", "麦当劳"), "24/7"),
        ),
        (
            (("Augustiner Bräu", "奥古斯丁啤酒馆"), "Mo-Su 10:00-24:00"),
            (("Hofbräuhaus", "皇家啤酒屋"), "Mo-Su 11:00-23:30"),
            (("McDonald's", "麦当劳"), "Mo-Su 06:00-24:00"),
            (("Vapiano", "Vapiano"), "Mo-Su 11:00-23:00"),
        ),
    ),
    Category.HOTEL: (
        (
            (("Hilton", "希尔顿酒店"), "24/7"),
            (("Marriott", "万豪酒店"), "24/7"),
            (("Atour Hotel", "亚朵酒店"), "24/7"),
            (("Hanting Hotel", "汉庭酒店"), "24/7"),
        ),
        (
            (("Hilton", "希尔顿酒店"), "24/7"),
            (("Motel One", "Motel One"), "24/7"),
            (("Bayerischer Hof", "巴伐利亚庄园酒店"), "24/7"),
        ),
    ),
    Category.FUEL: (
        (
            (("Sinopec", "中国石化"), "24/7"),
            (("PetroChina", "中国石油"), "24/7"),
            (("Shell", "壳牌"), "Mo-Su 06:00-23:00"),
        ),
        ((("Aral", "Aral"), "24/7"), (("Shell", "壳牌"), "24/7"), (("Esso", "埃索"), "Mo-Su 06:00-22:00")),
    ),
    Category.SERVICE_CENTER: (
        (
            (("Tesla Service Center", "特斯拉服务中心"), "Mo-Sa 09:00-18:00"),
            (("NIO House", "蔚来中心"), "Mo-Su 10:00-22:00"),
            (("BYD Service", "比亚迪服务中心"), "Mo-Su 08:30-18:00"),
            (("BMW Service", "宝马售后服务"), "Mo-Sa 08:30-18:00"),
        ),
        (
            (("BMW Service", "宝马售后服务"), "Mo-Fr 07:30-18:00"),
            (("Tesla Service Center", "特斯拉服务中心"), "Mo-Fr 08:00-17:00"),
            (("Mercedes-Benz Service", "梅赛德斯-奔驰售后服务"), "Mo-Fr 07:00-18:00"),
        ),
    ),
}
# How many of each generated across a city, besides the ones placed next to landmarks.
_SPREAD = {
    Category.CAFE: 6,
    Category.RESTAURANT: 6,
    Category.PARKING: 5,
    Category.HOTEL: 4,
    Category.FUEL: 3,
    Category.SERVICE_CENTER: 3,
}

_DAYS = {"Mo": 0, "Tu": 1, "We": 2, "Th": 3, "Fr": 4, "Sa": 5, "Su": 6}


def hours(text: str) -> OpeningHours:
    """Opening hours from the data set's own small subset of OSM syntax: '24/7' or 'Mo-Su 07:00-22:00'."""
    if text == "24/7":
        return OpeningHours(text=text, always_open=True)
    days, span = text.split(" ")
    first, _, last = days.partition("-")
    start, end = _DAYS[first], _DAYS[last or first]
    opens, closes = span.split("-")
    return OpeningHours(
        text=text, periods=(Period(days=tuple(range(start, end + 1)), opens=opens, closes=closes),)
    )


def _offset(rng: random.Random, centre: Point, min_km: float, max_km: float) -> Point:
    distance = math.sqrt(rng.uniform((min_km / max_km) ** 2, 1.0)) * max_km
    angle = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(angle) / _KM_PER_DEGREE
    dlon = distance * math.sin(angle) / (_KM_PER_DEGREE * math.cos(math.radians(centre.lat)))
    return Point(lat=round(centre.lat + dlat, 6), lon=round(centre.lon + dlon, 6))


class _Builder:
    def __init__(self, city: City) -> None:
        self.city = city
        self.rng = random.Random(f"{_SEED}-{city.code}")
        self.places: list[Place] = []

    def add(
        self,
        names: Names,
        category: Category,
        at: Point,
        hours_text: str,
        street: Names,
        parking: Parking | None = None,
    ) -> None:
        number = self.rng.randint(1, 399)
        china = self.city.country_code == "CN"
        self.places.append(
            Place(
                id=f"nav-{self.city.code}-{len(self.places) + 1:04d}",
                name=names[0],
                name_zh=names[1],
                address=f"{number} {street[0]}, {self.city.names[0]}"
                if china
                else f"{street[0]} {number}, München",
                address_zh=f"{self.city.names[1]}{street[1]}{number}号"
                if china
                else f"慕尼黑 {street[1]} {number}",
                location=at,
                category=category,
                city=self.city.names[0],
                time_zone=self.city.time_zone,
                hours=hours(hours_text),
                parking=parking,
                phone=None,
            )
        )

    def parking(self) -> Parking:
        price = self.city.parking_per_hour * Decimal(self.rng.choice(("0.8", "1", "1", "1.2", "1.5")))
        return Parking(
            price_per_hour=Money.from_major(price, self.city.currency),
            total_spaces=self.rng.choice((80, 120, 200, 350, 600)),
        )

    def branch(self, category: Category, near: Names, at: Point) -> None:
        brands = _BRANDS[category][0 if self.city.country_code == "CN" else 1]
        (en, zh), hours_text = self.rng.choice(brands)
        self.add((f"{en} ({near[0]})", f"{zh}({near[1]}店)"), category, at, hours_text, self.street())

    def street(self) -> Names:
        return self.rng.choice(self.city.streets)

    def build(self) -> list[Place]:
        city = self.city
        for names, lat, lon, hours_text in city.landmarks:
            here = Point(lat=lat, lon=lon)
            self.add(names, Category.POI, here, hours_text, self.street())
            for suffix, zh_suffix in (("Parking", "停车场"), ("Underground Parking", "地下停车场")):
                at = _offset(self.rng, here, 0.15, 0.6)
                self.add(
                    (f"{names[0]} {suffix}", f"{names[1]}{zh_suffix}"),
                    Category.PARKING,
                    at,
                    "24/7",
                    self.street(),
                    self.parking(),
                )
            self.branch(Category.CAFE, names, _offset(self.rng, here, 0.1, 0.8))
            self.branch(Category.RESTAURANT, names, _offset(self.rng, here, 0.1, 0.8))
        for category, count in _SPREAD.items():
            for _ in range(count):
                at = _offset(self.rng, city.centre, 0.5, city.radius_km)
                district = self.rng.choice(city.districts)
                if category is Category.PARKING:
                    street = self.street()
                    self.add(
                        (f"{street[0]} Public Parking", f"{street[1]}公共停车场"),
                        category,
                        at,
                        self.rng.choice(("24/7", "Mo-Su 06:00-24:00")),
                        street,
                        self.parking(),
                    )
                else:
                    self.branch(category, district, at)
        return self.places


@cache
def places() -> tuple[Place, ...]:
    return tuple(p for city in CITIES for p in _Builder(city).build())


def nearest_city(p: Point) -> City | None:
    """The data set's city whose centre is within 60 km of p, if any."""
    best = min(
        CITIES,
        key=lambda c: (
            (c.centre.lat - p.lat) ** 2 + ((c.centre.lon - p.lon) * math.cos(math.radians(p.lat))) ** 2
        ),
    )
    dlat = (best.centre.lat - p.lat) * _KM_PER_DEGREE
    dlon = (best.centre.lon - p.lon) * _KM_PER_DEGREE * math.cos(math.radians(p.lat))
    return best if math.hypot(dlat, dlon) <= 60 else None
