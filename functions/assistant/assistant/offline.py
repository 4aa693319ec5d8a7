"""The offline planner: no network, deterministic, the core intents in Chinese and English.

It plays the model's part through the same port — it proposes tool calls for the utterance, then
speaks the results — so a turn without a hosted model (no signal, model down) runs the same loop, the
same dispatch and the same confirmation rules. It only uses tools that are offered this turn, and says
so plainly when the one it needs is absent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from assistant import replies
from assistant.memory import Item, Kind, default_method
from assistant.ports import Message, ModelReply, ModelRequest, ModelToolCall
from cockpit.tools.model import ToolSpec

Plan = Callable[[ModelRequest, dict[str, ToolSpec]], ModelReply]

ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "fifth": 4,
    "第一": 0, "第二": 1, "第三": 2, "第四": 3, "第五": 4, "头一": 0, "最近": 0, "that one": 0, "it": 0,
    "那个": 0, "这个": 0, "那里": 0, "那儿": 0,
}  # fmt: skip
_AMOUNT = re.compile(r"(?:¥|￥|cny|rmb)?\s*(\d+(?:\.\d{1,2})?)\s*(?:元|块|yuan|cny|rmb)?", re.IGNORECASE)


def _has(text: str, *words: str) -> bool:
    return any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])" if w.isascii() else re.escape(w), text)
               for w in words)  # fmt: skip


def ordinal(text: str) -> int | None:
    for word, index in ORDINALS.items():
        if _has(text, word):
            return index
    return None


class OfflinePlanner:
    provider = "offline"

    def complete(self, request: ModelRequest) -> ModelReply:
        tools = {t.name: t for t in request.tools}
        results = this_turn_results(request.messages)
        if results:
            return self._after(request, tools, results)
        text = request.utterance.lower()
        for matches, plan in INTENTS:
            if matches(text):
                return plan(request, tools)
        return ModelReply(text=replies.say(request.locale, "help"))

    def _after(
        self,
        request: ModelRequest,
        tools: dict[str, ToolSpec],
        results: list[tuple[str, bool, dict[str, Any]]],
    ) -> ModelReply:
        name, failed, last = results[-1]
        # "navigate to <a place by name>": the search is done, now set the destination to the first hit.
        wants_nav = _has(request.utterance.lower(), *NAV_WORDS)
        places = (last.get("result") or {}).get("places") if isinstance(last.get("result"), dict) else None
        if not failed and name == "navigation_search_places" and wants_nav and places:
            place = places[0]
            if "navigation_set_destination" in tools and place.get("location"):
                return _destination(tools["navigation_set_destination"], place)
        # "start charging ... with my card": the methods are listed, now start with the default one.
        method = default_method(last.get("result")) if name == "payments_list_methods" else None
        if not failed and method and _wants_start(request.utterance.lower()):
            station = _picked(request, "station")
            if station is not None and "charging_start_session" in tools:
                args = {"station_id": station.id}
                _optional(tools["charging_start_session"], args, "payment_method_id", method)
                return _call("charging_start_session", args)
        sentences = []
        for tool, bad, payload in results:
            if bad:
                nested = payload.get("error")
                error: dict[str, Any] = nested if isinstance(nested, dict) else payload
                detail = str(error.get("detail") or error.get("title") or "error")
                sentences.append(replies.say(request.locale, "failed", detail=detail))
            else:
                status = str(payload.get("status", "succeeded"))
                sentences.append(
                    replies.describe(request.locale, tool, status, payload.get("result", payload))
                )
        return ModelReply(text=" ".join(sentences))


def this_turn_results(messages: list[Message]) -> list[tuple[str, bool, dict[str, Any]]]:
    """The tool results after the driver's last words: (tool, failed, payload)."""
    out: list[tuple[str, bool, dict[str, Any]]] = []
    for message in reversed(messages):
        if message.role == "user":
            break
        if message.role == "tool":  # structured data, never parsed back out of the prompt text
            out.append((message.tool_name, message.is_error, dict(message.data or {})))
    return list(reversed(out))


def _call(name: str, arguments: dict[str, Any]) -> ModelReply:
    return ModelReply(tool_calls=(ModelToolCall(id=f"offline_{name}", name=name, arguments=arguments),))


def _picked(request: ModelRequest, kind: Kind) -> Item | None:
    items = request.memory.listed(kind) if request.memory.shown == kind else []
    index = ordinal(request.utterance.lower())
    if index is None and len(items) == 1:
        index = 0
    return items[index] if index is not None and index < len(items) else None


def _enum(tool: ToolSpec, prop: str) -> set[str]:
    schema = tool.input_schema.get("properties", {}).get(prop, {})
    return set(schema.get("items", {}).get("enum", []))


def _ahead(lat: float, lon: float, heading: float, km: float) -> dict[str, float]:
    d = km / 111.0
    rad = math.radians(heading)
    return {
        "lat": round(lat + d * math.cos(rad), 5),
        "lon": round(lon + d * math.sin(rad) / math.cos(math.radians(lat)), 5),
    }


def find_chargers(request: ModelRequest, tools: dict[str, ToolSpec]) -> ModelReply:
    tool = tools.get("charging_find_stations")
    if tool is None:
        return ModelReply(text=replies.cant(request.locale, "charging"))
    car = request.vehicle
    if car.location is None:
        return ModelReply(text=replies.say(request.locale, "need_location"))
    text = request.utterance.lower()
    here = {"lat": car.location.lat, "lon": car.location.lon}
    args: dict[str, Any] = {"location": here, "radius_km": 10, "available_only": True, "limit": 5}
    if _has(text, "fast", "rapid", "快充", "快速", "超充"):
        args["min_power_kw"] = 60
    usable = [c for c in car.connectors if c in _enum(tool, "connectors")]
    if usable:
        args["connectors"] = usable
    if (
        _has(text, "on the way", "on my way", "along", "route", "路上", "沿途", "顺路")
        and car.heading_deg is not None
    ):
        args["route"] = [here, _ahead(here["lat"], here["lon"], car.heading_deg, 30)]
        args["radius_km"] = 5
    return _call("charging_find_stations", args)


def start_charging(request: ModelRequest, tools: dict[str, ToolSpec]) -> ModelReply:
    if "charging_start_session" not in tools:
        return ModelReply(text=replies.cant(request.locale, "charging"))
    station = _picked(request, "station")
    if station is None:
        return (
            find_chargers(request, tools)
            if not request.memory.listed()
            else ModelReply(text=replies.say(request.locale, "which"))
        )
    args = {"station_id": station.id}
    if _has(request.utterance.lower(), *CARD_WORDS):  # pay by the session's hold, not afterwards
        method = request.memory.payment_method.id if request.memory.payment_method else None
        if not method and "payments_list_methods" in tools:
            return _call("payments_list_methods", {})
        if method:
            _optional(tools["charging_start_session"], args, "payment_method_id", str(method))
    return _call("charging_start_session", args)


CARD_WORDS = ("card", "my card", "pay", "payment", "刷卡", "用卡", "银行卡", "信用卡", "支付", "付款")


def stop_charging(request: ModelRequest, tools: dict[str, ToolSpec]) -> ModelReply:
    session = request.memory.charging_session.id if request.memory.charging_session else None
    if "charging_stop_session" not in tools:
        return ModelReply(text=replies.cant(request.locale, "charging"))
    if not session:
        return ModelReply(text=replies.say(request.locale, "no_session"))
    return _call("charging_stop_session", {"session_id": session})


def charging_status(request: ModelRequest, tools: dict[str, ToolSpec]) -> ModelReply:
    session = request.memory.charging_session.id if request.memory.charging_session else None
    if session and "charging_get_session" in tools:
        return _call("charging_get_session", {"session_id": session})
    return battery(request, tools)


def battery(request: ModelRequest, _tools: dict[str, ToolSpec]) -> ModelReply:
    """What the car reports: battery and range (no tool needed)."""
    car = request.vehicle
    if car.battery_percent is None and car.range_km is None:
        return ModelReply(text=replies.cant(request.locale, "status"))
    return ModelReply(
        text=replies.say(
            request.locale,
            "status",
            battery=f"{car.battery_percent or 0:.0f}",
            range=f"{car.range_km or 0:.0f}",
        )
    )


def service_needs(request: ModelRequest, _tools: dict[str, ToolSpec]) -> ModelReply:
    """Car Genius without a network: what the car itself reports (due items, fault codes)."""
    service = request.vehicle.service
    if service is None or (not service.due and not service.fault_codes):
        return ModelReply(text=replies.say(request.locale, "service_clear"))
    none = replies.say(request.locale, "none")
    sep = "、" if request.locale == "zh-CN" else ", "
    due, codes = sep.join(service.due) or none, sep.join(service.fault_codes) or none
    return ModelReply(text=replies.say(request.locale, "service", due=due, codes=codes))


NAV_WORDS = ("navigate", "take me", "drive to", "go to", "head to", "directions", "导航", "带我", "去")


def _destination(tool: ToolSpec, item: Item | dict[str, Any]) -> ModelReply:
    if isinstance(item, dict):
        item = Item(kind="place", id=str(item.get("id") or ""), name=str(item.get("name") or ""),
                    location=item.get("location"), tool="navigation_search_places")  # fmt: skip
    args: dict[str, Any] = {"destination": item.location}
    if item.name:
        _optional(tool, args, "name", item.name[:100])
    if item.id and item.kind == "place":
        _optional(tool, args, "place_id", item.id)
    return _call("navigation_set_destination", args)


def navigate(request: ModelRequest, tools: dict[str, ToolSpec]) -> ModelReply:
    item = _picked(request, "station") or _picked(request, "place")
    if item is not None and item.location:
        if "navigation_set_destination" not in tools:
            return ModelReply(text=replies.cant(request.locale, "navigation"))
        return _destination(tools["navigation_set_destination"], item)
    query = re.sub(
        r"(?i)\b(please|navigate|take me|drive|go|head|to|directions)\b|导航|带我|到|去|请",
        " ",
        request.utterance,
    )
    query = " ".join(query.split())
    if "navigation_search_places" not in tools or not query:
        return ModelReply(text=replies.cant(request.locale, "navigation"))
    return _places(request, tools, query, None)


def _places(
    request: ModelRequest, tools: dict[str, ToolSpec], query: str, category: str | None
) -> ModelReply:
    if "navigation_search_places" not in tools:
        return ModelReply(text=replies.cant(request.locale, "places"))
    tool = tools["navigation_search_places"]
    args: dict[str, Any] = {"query": query[:200]}
    _optional(tool, args, "limit", 5)
    if request.vehicle.location is not None:
        _optional(
            tool, args, "location", {"lat": request.vehicle.location.lat, "lon": request.vehicle.location.lon}
        )
    if category:
        _optional(tool, args, "category", category)
    return _call("navigation_search_places", args)


def _optional(tool: ToolSpec, args: dict[str, Any], name: str, value: Any) -> None:
    """Set an optional argument only if the tool's schema has it and, for an enum, allows the value:
    the planner adapts to the contract it finds instead of failing validation."""
    schema = tool.input_schema.get("properties", {}).get(name)
    if isinstance(schema, dict) and ("enum" not in schema or value in schema["enum"]):
        args[name] = value


def parking(request: ModelRequest, tools: dict[str, ToolSpec]) -> ModelReply:
    return _places(request, tools, "parking" if request.locale == "en-US" else "停车场", "parking")


def food(request: ModelRequest, tools: dict[str, ToolSpec]) -> ModelReply:
    if _has(request.utterance.lower(), "coffee", "cafe", "咖啡"):
        return _places(request, tools, "coffee" if request.locale == "en-US" else "咖啡", "cafe")
    return _places(request, tools, "restaurant" if request.locale == "en-US" else "餐厅", "restaurant")


def book(request: ModelRequest, tools: dict[str, ToolSpec]) -> ModelReply:
    slot = _picked(request, "slot")
    if slot is not None and "booking_create_reservation" in tools:
        return _call("booking_create_reservation", {"slot_id": slot.id})
    if "booking_search_availability" not in tools:
        return ModelReply(text=replies.cant(request.locale, "booking"))
    tool = tools["booking_search_availability"]
    text = request.utterance.lower()
    kind = "parking" if _has(text, "parking", "park", "停车", "车位") else "restaurant"
    kinds = tool.input_schema.get("properties", {}).get("kind", {}).get("enum")
    if kinds and kind not in kinds:
        return ModelReply(text=replies.cant(request.locale, "booking"))
    args: dict[str, Any] = {"kind": kind}
    if request.vehicle.location is not None:
        _optional(
            tool, args, "location", {"lat": request.vehicle.location.lat, "lon": request.vehicle.location.lon}
        )
    return _call("booking_search_availability", args)


def pay(request: ModelRequest, tools: dict[str, ToolSpec]) -> ModelReply:
    if "payments_create_payment" not in tools:
        return ModelReply(text=replies.cant(request.locale, "payments"))
    found = _AMOUNT.search(request.utterance.replace(",", ""))
    due = request.memory.due
    paid = request.memory.paid
    if found is None and due is None and paid is not None:
        # The last charging session was paid by its card hold: the stop captured it (or will).
        return ModelReply(text=replies.paid(request.locale, paid.details))
    if found is None and due is not None:  # "pay for charging": what the last session cost
        allowed = set(tools["payments_create_payment"].input_schema.get("properties", {}))
        fields = due.model_dump(exclude={"tool"})
        return _call("payments_create_payment", {k: v for k, v in fields.items() if k in allowed})
    if found is None:
        return ModelReply(text=replies.say(request.locale, "how_much"))
    minor = round(float(found.group(1)) * 100)
    items = request.memory.listed()
    merchant = (items[0].name if items else "") or "merchant"
    purpose = "charging" if _has(request.utterance.lower(), "charg", "充电") else "purchase"
    args = {"amount": {"amount": minor, "currency": "CNY"}, "merchant": merchant, "purpose": purpose}
    return _call("payments_create_payment", args)


def cancel(request: ModelRequest, tools: dict[str, ToolSpec]) -> ModelReply:
    reservation = request.memory.reservations[-1].id if request.memory.reservations else None
    if reservation and "booking_cancel_reservation" in tools:
        return _call("booking_cancel_reservation", {"reservation_id": reservation})
    return ModelReply(text=replies.say(request.locale, "nothing_pending"))


def _wants_start(t: str) -> bool:
    if _has(t, "start charging", "charge at", "charge there", "开始充电", "充电吧"):
        return True
    return _has(t, "在") and _has(t, "充电") and ordinal(t) is not None


INTENTS: list[tuple[Callable[[str], bool], Plan]] = [
    (_wants_start, start_charging),
    (lambda t: _has(t, "stop charging", "end charging", "停止充电", "结束充电"), stop_charging),
    (lambda t: _has(t, "status", "how is charging", "how's charging", "状态"), charging_status),
    (lambda t: _has(t, "battery", "range", "电量", "续航", "还能开"), battery),
    (
        lambda t: _has(t, "service", "maintenance", "fault", "warning", "保养", "维修", "故障", "报警"),
        service_needs,
    ),
    (lambda t: _has(t, "pay", "payment", "支付", "付款", "付钱"), pay),
    (lambda t: _has(t, "book", "reserve", "reservation", "预订", "预约", "订座", "订个"), book),
    (
        lambda t: _has(t, "charger", "chargers", "charging", "charge", "充电", "快充", "超充", "充电站"),
        find_chargers,
    ),
    (lambda t: _has(t, "parking", "park", "停车", "车位"), parking),
    (
        lambda t: _has(
            t, "food", "restaurant", "eat", "hungry", "lunch", "dinner", "coffee", "吃", "餐厅", "饭", "咖啡"
        ),
        food,
    ),
    (lambda t: _has(t, *NAV_WORDS), navigate),
    (lambda t: _has(t, "cancel", "取消"), cancel),
]
