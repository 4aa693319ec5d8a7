"""The offline planner: no network, deterministic; what drivers say in Chinese and English, understood by
a small intent x slot grammar (understand.py) and turned into the same tool calls a hosted model makes.

It plays the model's part through the same port — it proposes tool calls, then speaks the results — so a
turn without a hosted model runs the same loop, dispatch and confirmation rules. It only uses tools that
are offered this turn, and says so plainly when the one it needs is absent. A follow-up that only names a
choice or a slot ("the first one", "for four", "用支付宝") continues the driver's previous request.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from assistant import replies
from assistant.memory import Item, Kind, Memory, default_method, remember
from assistant.ports import Message, ModelReply, ModelRequest, ModelToolCall
from assistant.understand import Parse, answers_only, clean_query, has, parse
from cockpit import merchants
from cockpit.tools.model import ToolSpec

Plan = Callable[[ModelRequest, dict[str, ToolSpec], Parse], ModelReply]
SEARCHES = {"charger", "parking", "restaurant", "coffee", "hotel", "service"}  # a list shown: not re-run
ACTIONS = {"start", "navigate", "book", "pay", "cancel", "reach", "dest_change"}  # what an answer continues


class OfflinePlanner:
    provider = "offline"

    def complete(self, request: ModelRequest) -> ModelReply:
        tools = {t.name: t for t in request.tools}
        p = understood(request)
        results = this_turn_results(request.messages)
        if results:
            return after(request, tools, p, results)
        return PLANS[intent(p, request.memory)](request, tools, p)


def understood(request: ModelRequest) -> Parse:
    """This utterance's parse; a bare answer (a choice or a slot) inherits the previous request's intents."""
    p = parse(request.utterance)
    previous = _previous_utterance(request.messages)
    if previous is None or not answers_only(p):  # only an answer continues
        return p
    before = parse(previous)
    if not before.intents:
        return p
    # a search already showed its list: "the second one" picks from it (navigate, or book a slot)
    kept = before.intents & (ACTIONS | (SEARCHES if "book" in before.intents else set()))
    p.intents |= kept
    for slot in (
        "merchant",
        "amount_minor",
        "party",
        "hour",
        "nights",
        "method",
        *(() if p.choice else ("place",)),
    ):
        if getattr(p, slot) is None:
            setattr(p, slot, getattr(before, slot))
    if not p.choice:  # "use my visa" after "charge at the first one": still the first one
        p.ordinal, p.closest, p.pronoun = before.ordinal, before.closest, before.pronoun
    p.fast, p.along, p.card = p.fast or before.fast, p.along or before.along, p.card or before.card
    p.tonight, p.tomorrow = p.tonight or before.tonight, p.tomorrow or before.tomorrow
    return p


def _previous_utterance(messages: list[Message]) -> str | None:
    users = [m.content for m in messages if m.role == "user"]
    return users[-2] if len(users) >= 2 else None


def intent(p: Parse, memory: Memory) -> str:  # noqa: C901 — one ordered decision, read top to bottom
    i = p.intents
    if "cancel" in i and ("charger" not in i or "book" in i):
        return "cancel"
    if "list" in i:
        return "list"
    status = str(memory.charging_session.status or "").lower() if memory.charging_session else ""
    charging = status in ("active", "pending")
    if "stop" in i or (
        charging and has(p.text, "stop", "enough", "that's it", "够了", "停吧", "停下", "不充了")
    ):
        return "stop"
    if "status" in i:
        return "status"
    if "reach" in i and p.place:
        return "reach"
    if "dest_ask" in i:
        return "dest_ask"
    if "dest_change" in i and (p.place or p.choice):
        return "navigate"
    start_like = "start" in i
    if start_like and p.amount_minor is None and not has(p.text, "pay for", "付充电费", "充电费"):
        return "start"  # "charge at the first one with my card": the card pays the session's hold
    if "pay" in i and not ({"hotel", "restaurant"} & i and p.amount_minor is None):
        return "pay"
    if ("range" in i or "battery" in i) and not ("charger" in i and has(p.text, "where", "find", "哪", "找")):
        return "battery"
    if "service" in i:
        return "service_book" if ({"book"} & i or has(p.text, "appointment", "slot")) else "service"
    if "hotel" in i:
        return "hotel"
    if "restaurant" in i:
        return "restaurant_book" if ("book" in i or p.party or p.hour) else "restaurant"
    if "coffee" in i:
        return "coffee"
    if "parking" in i:
        return "parking_book" if "book" in i else "parking"
    if "book" in i and (p.choice or memory.shown == "slot"):
        return "choose_slot"
    if "charger" in i:
        return "charger"
    if "navigate" in i and (p.choice or p.place):
        return "navigate"
    if p.choice and memory.shown is not None:
        return {"station": "navigate", "place": "navigate", "slot": "choose_slot"}[memory.shown]
    return "help"


# --- choosing from what was shown ------------------------------------------------------------------------


def choose(p: Parse, memory: Memory, kind: Kind | None = None) -> Item | None:
    """The item the driver means: by ordinal, "the closest", its name, or a pronoun; None if unclear."""
    items = memory.listed(kind) if kind is None or memory.shown == kind or memory.listed(kind) else []
    if kind is not None and memory.shown not in (kind, None) and not p.choice and not _named(p, items):
        return None
    if not items:
        return None
    if p.ordinal is not None:
        return items[p.ordinal] if -len(items) <= p.ordinal < len(items) else None
    if p.closest:
        return min(items, key=lambda x: float(x.details.get("distance_km") or math.inf))
    named = _named(p, items)
    if named is not None:
        return named
    if p.pronoun:
        dest = memory.destination
        same = [x for x in items if dest is not None and (x.location == dest.location or x.name == dest.name)]
        return same[0] if same else items[0]
    return items[0] if len(items) == 1 else None


def _named(p: Parse, items: list[Item]) -> Item | None:
    best, score = None, 0.0
    for item in items:
        names = [item.name, str(item.details.get("name_zh") or ""), str(item.details.get("name_en") or "")]
        venue = item.details.get("venue")
        if isinstance(venue, dict):
            names.append(str(venue.get("name") or ""))
        for name in filter(None, names):
            s = _overlap(p.text, name.lower())
            if s > score:
                best, score = item, s
    return best if score >= 0.5 else None


def _overlap(text: str, name: str) -> float:
    generic = {
        "charging",
        "station",
        "charge",
        "point",
        "parking",
        "the",
        "hotel",
        "restaurant",
        "充电站",
        "停车场",
    }
    if re.search(r"[\u3400-\u9fff]", name):
        core = name.replace("充电站", "").replace("停车场", "")
        grams = {core[i : i + 2] for i in range(len(core) - 1)}
        return sum(g in text for g in grams) / len(grams) if grams else 0.0
    words = [w for w in re.findall(r"[a-z0-9']+", name) if w not in generic and len(w) > 2]
    return sum(bool(re.search(rf"\b{re.escape(w)}\b", text)) for w in words) / len(words) if words else 0.0


# --- plans -----------------------------------------------------------------------------------------------


def _call(name: str, arguments: dict[str, Any]) -> ModelReply:
    return ModelReply(tool_calls=(ModelToolCall(id=f"offline_{name}", name=name, arguments=arguments),))


def _say(request: ModelRequest, key: str, **values: Any) -> ModelReply:
    return ModelReply(text=replies.say(request.locale, key, **values))


def _cant(request: ModelRequest, what: str) -> ModelReply:
    return ModelReply(text=replies.cant(request.locale, what))


def _here(request: ModelRequest) -> dict[str, float] | None:
    loc = request.vehicle.location
    return {"lat": loc.lat, "lon": loc.lon} if loc is not None else None


def _optional(tool: ToolSpec, args: dict[str, Any], name: str, value: Any) -> None:
    """Set an optional argument only if the tool's schema has it and, for an enum, allows the value:
    the planner adapts to the contract it finds instead of failing validation."""
    schema = tool.input_schema.get("properties", {}).get(name)
    if isinstance(schema, dict) and ("enum" not in schema or value in schema["enum"]):
        args[name] = value


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


def _search_place(
    request: ModelRequest,
    tools: dict[str, ToolSpec],
    query: str,
    category: str | None = None,
    *,
    anywhere: bool = False,
) -> ModelReply:
    """Places by query near the car; a named place (`anywhere`) is looked up wherever it is."""
    tool = tools.get("navigation_search_places")
    if tool is None or not query:
        return _cant(request, "places")
    args: dict[str, Any] = {"query": query[:200]}
    _optional(tool, args, "limit", 5)
    here = _here(request)
    if here is not None and not anywhere:
        _optional(tool, args, "location", here)
        if category is None:
            _optional(tool, args, "radius_km", 50)
    if category:
        _optional(tool, args, "category", category)
    return _call("navigation_search_places", args)


def find_chargers(
    request: ModelRequest, tools: dict[str, ToolSpec], p: Parse, near: dict[str, float] | None = None
) -> ModelReply:
    tool = tools.get("charging_find_stations")
    if tool is None:
        return _cant(request, "charging")
    here = _here(request)
    if here is None:
        return _say(request, "need_location")
    if p.place and near is None and "navigation_search_places" in tools:
        return _search_place(request, tools, p.place)  # then: chargers near or on the way to it
    args: dict[str, Any] = {"location": near or here, "radius_km": 10, "available_only": True, "limit": 5}
    if p.fast:
        args["min_power_kw"] = 60
    wanted = [p.connector] if p.connector else list(request.vehicle.connectors)
    usable = [c for c in wanted if c in _enum(tool, "connectors")]
    if usable:
        args["connectors"] = usable
    dest = request.memory.destination
    if p.along and near is not None:
        args["location"], args["route"], args["radius_km"] = here, [here, near], 5
    elif p.along and dest is not None and dest.location:
        args["route"], args["radius_km"] = [here, dest.location], 5
    elif p.along and request.vehicle.heading_deg is not None:
        args["route"] = [here, _ahead(here["lat"], here["lon"], request.vehicle.heading_deg, 30)]
        args["radius_km"] = 5
    return _call("charging_find_stations", args)


def start_charging(request: ModelRequest, tools: dict[str, ToolSpec], p: Parse) -> ModelReply:
    if "charging_start_session" not in tools:
        return _cant(request, "charging")
    station = choose(p, request.memory, "station")
    if station is None:
        if not request.memory.stations:
            return find_chargers(request, tools, p)
        return _say(request, "which")
    args = {"station_id": station.id}
    if p.card:  # pay by the session's hold, not afterwards
        method = _method(request.memory, p)
        if method is None and "payments_list_methods" in tools:
            return _call("payments_list_methods", {})
        if method:
            _optional(tools["charging_start_session"], args, "payment_method_id", method)
    return _call("charging_start_session", args)


def _method(memory: Memory, p: Parse) -> str | None:
    """The payment method the driver named (its brand or type) among those listed, else the default."""
    if p.method is None:
        return memory.payment_method.id if memory.payment_method else None
    for m in memory.methods:
        if p.method in (str(m.details.get("brand") or "").lower(), m.details.get("type")):
            return m.id
    return None


def stop_charging(request: ModelRequest, tools: dict[str, ToolSpec], _p: Parse) -> ModelReply:
    session = request.memory.charging_session
    if "charging_stop_session" not in tools:
        return _cant(request, "charging")
    if session is None:
        return _say(request, "no_session")
    return _call("charging_stop_session", {"session_id": session.id})


def charging_status(request: ModelRequest, tools: dict[str, ToolSpec], p: Parse) -> ModelReply:
    session = request.memory.charging_session
    if session is not None and "charging_get_session" in tools:
        return _call("charging_get_session", {"session_id": session.id})
    return battery(request, tools, p)


def battery(request: ModelRequest, _tools: dict[str, ToolSpec], p: Parse) -> ModelReply:
    """What the car reports: battery and range (no tool needed); an unknown figure is said to be unknown."""
    car = request.vehicle
    if car.battery_percent is None and car.range_km is None:
        return _cant(request, "status")
    parts = []
    if car.battery_percent is not None:
        parts.append(replies.say(request.locale, "battery_is", battery=f"{car.battery_percent:.0f}"))
    if car.range_km is not None:
        parts.append(replies.say(request.locale, "range_is", range=f"{car.range_km:.0f}"))
    else:
        parts.append(replies.say(request.locale, "range_unknown"))
    return ModelReply(text=replies.join(request.locale, parts))


def service_needs(request: ModelRequest, _tools: dict[str, ToolSpec], _p: Parse) -> ModelReply:
    """Car Genius without a network: what the car itself reports, in words a driver knows."""
    service = request.vehicle.service
    if service is None or (not service.due and not service.fault_codes):
        return _say(request, "service_clear")
    due = replies.service_items(request.locale, service.due)
    codes = replies.fault_codes(request.locale, service.fault_codes)
    return ModelReply(text=("" if request.locale == "zh-CN" else " ").join(x for x in (due, codes) if x))


def _destination(tool: ToolSpec, item: Item) -> ModelReply:
    args: dict[str, Any] = {"destination": item.location}
    if item.name:
        _optional(tool, args, "name", item.name[:100])
    if item.id and item.kind == "place" and item.tool == "navigation_search_places":
        _optional(tool, args, "place_id", item.id)
    return _call("navigation_set_destination", args)


def navigate(request: ModelRequest, tools: dict[str, ToolSpec], p: Parse) -> ModelReply:
    if "navigation_set_destination" not in tools:
        return _cant(request, "navigation")
    item = _named(p, request.memory.listed()) if p.place else choose(p, request.memory)
    if item is not None and item.location:
        return _destination(tools["navigation_set_destination"], item)
    if p.place:
        return _search_place(request, tools, p.place)
    query = clean_query(request.utterance)
    if query and not p.choice:
        return _search_place(request, tools, query)
    return _say(request, "where_to")


def destination_ask(request: ModelRequest, tools: dict[str, ToolSpec], _p: Parse) -> ModelReply:
    if "navigation_get_destination" in tools:
        return _call("navigation_get_destination", {})
    dest = request.memory.destination
    return _say(request, "heading", name=dest.name) if dest else _say(request, "no_destination")


def reach(request: ModelRequest, tools: dict[str, ToolSpec], p: Parse) -> ModelReply:
    """ "Can I make it to X": find X, then plan the route (which says whether the charge suffices)."""
    if "navigation_plan_route" not in tools:
        return _cant(request, "navigation")
    return _search_place(request, tools, p.place or "", anywhere=True)


def pay(request: ModelRequest, tools: dict[str, ToolSpec], p: Parse) -> ModelReply:
    if "payments_create_payment" not in tools:
        return _cant(request, "payments")
    memory = request.memory
    charging = has(p.text, "charg", "charging", "充电", "电费")
    if p.amount_minor is None and memory.due is None and memory.paid is not None and charging:
        return ModelReply(text=replies.paid(request.locale, memory.paid.details))
    if p.method is not None and _method(memory, p) is None and "payments_list_methods" in tools:
        return _call("payments_list_methods", {})
    tool = tools["payments_create_payment"]
    if p.amount_minor is None and memory.due is not None and (charging or not p.merchant):
        args = {k: v for k, v in memory.due.model_dump(exclude={"tool"}).items()
                if k in tool.input_schema.get("properties", {})}  # fmt: skip
        if p.method:
            _optional(tool, args, "method_id", _method(memory, p))
        return _call("payments_create_payment", args)
    if p.amount_minor is None and memory.paid is not None and not p.merchant:
        return ModelReply(text=replies.paid(request.locale, memory.paid.details))
    return pay_amount(request, tool, p, charging)


def pay_amount(request: ModelRequest, tool: ToolSpec, p: Parse, charging: bool) -> ModelReply:
    """A stated amount to a named merchant ("Pay 45.50 yuan to Shanghai Star Charging")."""
    if p.amount_minor is None or p.amount_minor <= 0:
        return _say(request, "how_much")
    payee = merchants.find(p.merchant or "") if p.merchant else None
    if payee is None and p.merchant:
        return _say(request, "unknown_merchant", name=p.merchant)
    if payee is None:
        return _say(request, "to_whom")
    purpose = (
        "charging"
        if charging or "charging" in payee.id
        else ("parking" if "parking" in payee.id else "purchase")
    )
    args = {"amount": {"amount": p.amount_minor, "currency": "CNY"}, "merchant": payee.id, "purpose": purpose}
    if p.method or p.card:
        method = _method(request.memory, p)
        if method:
            _optional(tool, args, "method_id", method)
    return _call("payments_create_payment", args)


def _local(request: ModelRequest) -> timezone:
    loc = request.vehicle.location
    hours = 8 if loc is None or (18 <= loc.lat <= 54 and 73 <= loc.lon <= 135) else round(loc.lon / 15)
    return timezone(timedelta(hours=hours))


def _booking(request: ModelRequest, tools: dict[str, ToolSpec], p: Parse, kind: str) -> ModelReply:
    tool = tools.get("booking_search_availability")
    if tool is None:
        return _cant(request, "booking")
    kinds = tool.input_schema.get("properties", {}).get("kind", {}).get("enum")
    if kinds and kind not in kinds:
        return _cant(request, "booking")
    args: dict[str, Any] = {"kind": kind}
    here = _here(request)
    if here is not None:
        _optional(tool, args, "location", here)
    if p.party and kind in ("restaurant", "hotel"):
        _optional(tool, args, "party_size", p.party)
    if p.nights and p.nights > 1 and kind == "hotel":
        _optional(tool, args, "nights", p.nights)  # a stay: every slot offered covers all its nights
    hour = p.hour
    morning = has(p.text, "am", "morning", "上午", "早")
    if hour is not None and kind == "restaurant" and hour < 11 and not morning:
        hour += 12  # "a table around 7", "七点左右吃饭": the evening
    if hour is not None:
        now = datetime.now(_local(request))
        day = now + timedelta(days=1) if p.tomorrow or (hour < now.hour and not p.tonight) else now
        start = day.replace(hour=hour, minute=0, second=0, microsecond=0)
        if start <= now:  # "tonight at 7" said at 20:20: that hour has gone, the next one is tomorrow's
            start += timedelta(days=1)
        _optional(tool, args, "start", start.isoformat(timespec="minutes"))
        _optional(tool, args, "end", (start + timedelta(hours=2)).isoformat(timespec="minutes"))
    return _call("booking_search_availability", args)


def choose_slot(request: ModelRequest, tools: dict[str, ToolSpec], p: Parse) -> ModelReply:
    slot = choose(p, request.memory, "slot")
    if slot is None:
        return _say(request, "which") if request.memory.slots else _say(request, "what_to_book")
    if "booking_create_reservation" not in tools:
        return _cant(request, "booking")
    tool = tools["booking_create_reservation"]
    args: dict[str, Any] = {"slot_id": slot.id}
    if p.party:
        _optional(tool, args, "party_size", p.party)
    if isinstance(slot.details.get("nights"), int) and slot.details["nights"] > 1:
        _optional(tool, args, "nights", slot.details["nights"])  # the stay the search offered
    if slot.details.get("requires_prepayment"):  # paid in advance: with the named method, else the default
        method = _method(request.memory, p)
        if method is None and "payments_list_methods" in tools and not request.memory.methods:
            return _call("payments_list_methods", {})
        if method is None:
            return _say(request, "no_such_method")
        _optional(tool, args, "payment_method_id", method)
    return _call("booking_create_reservation", args)


def _book_or_search(kind: str) -> Plan:
    def plan(request: ModelRequest, tools: dict[str, ToolSpec], p: Parse) -> ModelReply:
        slots = request.memory.slots
        same_kind = slots and all(s.details.get("venue", {}).get("kind", kind) == kind for s in slots)
        if p.choice and request.memory.shown == "slot" and same_kind:
            return choose_slot(request, tools, p)
        return _booking(request, tools, p, kind)

    return plan


def cancel(request: ModelRequest, tools: dict[str, ToolSpec], p: Parse) -> ModelReply:
    live = [r for r in request.memory.reservations if r.status not in ("cancelled", "fulfilled", "no_show")]
    if not live:
        if "booking_list_reservations" in tools and not request.memory.reservations:
            return _call("booking_list_reservations", {})
        return _say(request, "nothing_to_cancel")
    if "booking_cancel_reservation" not in tools:
        return _cant(request, "booking")
    wanted = live[-1]
    if p.ordinal is not None and -len(live) <= p.ordinal < len(live):
        wanted = live[p.ordinal]
    return _call("booking_cancel_reservation", {"reservation_id": wanted.id})


def list_reservations(request: ModelRequest, tools: dict[str, ToolSpec], _p: Parse) -> ModelReply:
    if "booking_list_reservations" not in tools:
        return _cant(request, "booking")
    return _call("booking_list_reservations", {})


def parking(request: ModelRequest, tools: dict[str, ToolSpec], p: Parse) -> ModelReply:
    query = clean_query(request.utterance) if p.place else ("parking" if not p.zh else "停车场")
    return _search_place(request, tools, query, "parking")


def food(request: ModelRequest, tools: dict[str, ToolSpec], p: Parse) -> ModelReply:
    default = "restaurant" if not p.zh else "餐厅"
    return _search_place(request, tools, clean_query(request.utterance) if p.place else default, "restaurant")


def coffee(request: ModelRequest, tools: dict[str, ToolSpec], p: Parse) -> ModelReply:
    default = "coffee" if not p.zh else "咖啡"
    return _search_place(request, tools, clean_query(request.utterance) if p.place else default, "cafe")


def help_(request: ModelRequest, _tools: dict[str, ToolSpec], _p: Parse) -> ModelReply:
    return _say(request, "help")


PLANS: dict[str, Plan] = {
    "cancel": cancel,
    "list": list_reservations,
    "stop": stop_charging,
    "status": charging_status,
    "reach": reach,
    "dest_ask": destination_ask,
    "navigate": navigate,
    "pay": pay,
    "battery": battery,
    "start": start_charging,
    "service": service_needs,
    "service_book": _book_or_search("service_appointment"),
    "hotel": _book_or_search("hotel"),
    "restaurant_book": _book_or_search("restaurant"),
    "restaurant": food,
    "coffee": coffee,
    "parking_book": _book_or_search("parking"),
    "parking": parking,
    "choose_slot": choose_slot,
    "charger": find_chargers,
    "help": help_,
}


# --- after the tools answered ------------------------------------------------------------------------


def this_turn_results(messages: list[Message]) -> list[tuple[str, bool, dict[str, Any]]]:
    """The tool results after the driver's last words: (tool, failed, payload)."""
    out: list[tuple[str, bool, dict[str, Any]]] = []
    for message in reversed(messages):
        if message.role == "user":
            break
        if message.role == "tool":  # structured data, never parsed back out of the prompt text
            out.append((message.tool_name, message.is_error, dict(message.data or {})))
    return list(reversed(out))


def after(  # noqa: C901 — each branch is one two-step request
    request: ModelRequest,
    tools: dict[str, ToolSpec],
    p: Parse,
    results: list[tuple[str, bool, dict[str, Any]]],
) -> ModelReply:
    name, failed, last = results[-1]
    result = last.get("result") if isinstance(last.get("result"), dict) else {}
    assert isinstance(result, dict)
    memory = request.memory.model_copy(deep=True)  # this turn's results folded in (the loop does the same)
    for tool, bad, payload in results:
        if not bad and isinstance(payload.get("result"), dict) and tool in tools:
            remember(
                memory, tool, payload["result"], first_party=not tools[tool].source.startswith("partner:")
            )
    request = ModelRequest(system=request.system, messages=request.messages, tools=request.tools,
                           locale=request.locale, utterance=request.utterance, vehicle=request.vehicle,
                           memory=memory)  # fmt: skip
    want = intent(p, request.memory)
    places = result.get("places") if name == "navigation_search_places" and not failed else None
    first = places[0] if isinstance(places, list) and places and isinstance(places[0], dict) else None
    if first is not None and first.get("location") and len(results) == 1:
        if want == "navigate" and "navigation_set_destination" in tools:
            item = Item(kind="place", id=str(first.get("id") or ""), name=str(first.get("name") or ""),
                        location=first["location"], tool=name)  # fmt: skip
            return _destination(tools["navigation_set_destination"], item)
        if want == "reach" and "navigation_plan_route" in tools:
            return _call("navigation_plan_route", {"destination": first["location"]})
        if want == "charger" and "charging_find_stations" in tools:
            return find_chargers(request, tools, p, near=first["location"])
    if name == "navigation_plan_route" and not failed and want == "reach":
        return ModelReply(
            text=replies.reach(request.locale, request.vehicle.range_km, result, _first_name(results))
        )
    if name == "navigation_get_destination" and not failed:
        dest = result.get("destination")
        if isinstance(dest, dict):
            return _say(request, "heading", name=dest.get("name") or "?")
        return _say(request, "no_destination")
    if name == "payments_list_methods" and not failed and default_method(result) and len(results) == 1:
        # memory already holds the listed methods (the loop remembered them before asking again)
        if want == "start":
            station = choose(p, request.memory, "station")
            method = _method(request.memory, p)
            if station is not None and method and "charging_start_session" in tools:
                args = {"station_id": station.id}
                _optional(tools["charging_start_session"], args, "payment_method_id", method)
                return _call("charging_start_session", args)
        if want == "choose_slot" or (p.choice and request.memory.shown == "slot"):
            return choose_slot(request, tools, p)
        if want == "pay":
            return (
                _say(request, "no_such_method")
                if _method(request.memory, p) is None
                else pay(request, tools, p)
            )
    if name == "booking_list_reservations" and not failed and want == "cancel" and len(results) == 1:
        live = [r for r in request.memory.reservations if r.status in ("pending", "confirmed")]
        if live and "booking_cancel_reservation" in tools:
            return _call("booking_cancel_reservation", {"reservation_id": live[-1].id})
        return _say(request, "nothing_to_cancel")
    sentences = []
    for tool, bad, payload in results:
        if tool == "payments_list_methods" and not bad and len(results) > 1:
            continue  # looked up to pay with: the call it served speaks
        if bad:
            nested = payload.get("error")
            error: dict[str, Any] = nested if isinstance(nested, dict) else payload
            sentences.append(replies.failed(request.locale, error))
        else:
            status = str(payload.get("status", "succeeded"))
            sentences.append(replies.describe(request.locale, tool, status, payload.get("result", payload)))
    return ModelReply(text=" ".join(sentences))


def _first_name(results: list[tuple[str, bool, dict[str, Any]]]) -> str:
    for tool, _bad, payload in results:
        places = (payload.get("result") or {}).get("places") if tool == "navigation_search_places" else None
        if isinstance(places, list) and places and isinstance(places[0], dict):
            return str(places[0].get("name") or "?")
    return "?"
