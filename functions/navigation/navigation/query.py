"""What a driver's free text asks for: a kind of place and/or a name, and perhaps a place to search near.

"parking near the Bund" → category parking, near "the Bund"; "外滩附近的停车场" → the same;
"星巴克" → the name 星巴克. Provider-independent, so every provider hears the same question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from navigation.ports import Category

_NEAR_EN = re.compile(
    r"^(?P<what>.+?)\s+(?:near|around|close to|next to|by)\s+(?P<anchor>.+)$", re.IGNORECASE
)
_NEAR_ZH = re.compile(r"^(?P<anchor>.+?)(?:附近|周边|旁边)的?(?P<what>.+)$")
_NEAR_ZH_TAIL = re.compile(r"^(?P<what>.+?)在(?P<anchor>.+?)(?:附近|周边|旁边)$")

# Words that name a category rather than a place (matched whole, case-insensitively).
_CATEGORY_WORDS: dict[Category, tuple[str, ...]] = {
    Category.PARKING: ("parking", "car park", "parking lot", "parking garage", "停车场", "停车", "车位"),
    Category.CAFE: ("cafe", "café", "coffee", "coffee shop", "咖啡", "咖啡店", "咖啡馆"),
    Category.RESTAURANT: (
        "restaurant",
        "restaurants",
        "food",
        "lunch",
        "dinner",
        "餐厅",
        "饭店",
        "美食",
        "吃饭",
    ),
    Category.HOTEL: ("hotel", "hotels", "酒店", "宾馆", "住宿"),
    Category.FUEL: ("fuel", "gas station", "petrol station", "gas", "加油站", "加油"),
    Category.CHARGING: ("charger", "chargers", "charging", "charging station", "充电站", "充电桩", "充电"),
    Category.SERVICE_CENTER: (
        "service center",
        "service centre",
        "car service",
        "4s店",
        "保养",
        "维修",
        "售后",
    ),
}
_ARTICLES = re.compile(r"^(?:a|an|the|some|any|nearest|closest)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # the name to look for ("" when the query only names a category)
    category: Category | None
    near: str | None


def category_of(words: str) -> Category | None:
    key = _ARTICLES.sub("", words.strip().casefold())
    return next((c for c, names in _CATEGORY_WORDS.items() if key in names), None)


def parse(query: str) -> ParsedQuery:
    text = " ".join(query.split())
    what, near = text, None
    for pattern in (_NEAR_EN, _NEAR_ZH, _NEAR_ZH_TAIL):
        found = pattern.match(text)
        if found and found["what"].strip() and found["anchor"].strip():
            what, near = found["what"].strip(), _ARTICLES.sub("", found["anchor"].strip())
            break
    category = category_of(what)
    return ParsedQuery(text="" if category else what, category=category, near=near)
