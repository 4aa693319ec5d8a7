"""Speakable sentences in the session's locale, and the screen cards made from tool results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from assistant.models import Card
from cockpit.money import Money

TEXT: dict[str, dict[str, str]] = {
    "en-US": {
        "ask": "{summary} Say yes to go ahead, or no to cancel.",
        "dropped": "OK, I won't do that.",
        "set_aside": "I dropped the earlier question; nothing was done.",
        "handover": "{to} here, taking over from {before}.",
        "expired": "That question has expired, so I did nothing. Ask me again if you still want it.",
        "nothing_pending": "There is nothing waiting for your confirmation.",
        "cant": "I can't {what} yet.",
        "need_location": "I need the car's location for that.",
        "help": "I can find chargers, places, parking and food, navigate, book and pay. What would you like?",
        "stations": "I found {n} charging stations. The first is {name}, {km} km away, up to {kw} kW.",
        "no_stations": "I found no charging stations that match.",
        "places": "I found {n} places. The first is {name}, {km} km away.",
        "no_places": "I found no places that match.",
        "slots": "I found {n} open slots. The first is at {venue}, {start}.",
        "no_slots": "I found no open slots.",
        "destination": "Navigating to {name}.",
        "route": "The route is {km} km, about {min} minutes.",
        "accepted": "Done: {tool} is under way.",
        "charging_started": "Charging is starting.",
        "session": "The charging session is {status}.",
        "payment": "Payment {status}.",
        "reservation": "Reservation {status}.",
        "reservation_at": "Reservation {status}: {venue}, {start}.",
        "done": "Done.",
        "failed": "Sorry, that didn't work: {detail}",
        "which": "Which one? Say 'the first one', 'the closest' or its name.",
        "battery_is": "Battery {battery}%",
        "range_is": "range {range} km",
        "range_unknown": "the car hasn't reported its range",
        "where_to": "Where to?",
        "heading": "You're heading to {name}.",
        "no_destination": "No destination is set.",
        "reach_yes": "Yes: {name} is {km} km away and your range is {range} km.",
        "reach_no": "Not on this charge: {name} is {km} km away and your range is {range} km.",
        "reach_stop": " Charge on the way at {stop}.",
        "reach_unknown": "{name} is {km} km away; the car hasn't reported its range.",
        "unknown_merchant": "I don't know a merchant called {name}.",
        "to_whom": "Who should I pay?",
        "what_to_book": "What should I book: a table, parking, a hotel or a service appointment?",
        "nothing_to_cancel": "You have no reservation to cancel.",
        "no_such_method": "I can't find that payment method among yours.",
        "service_due": "Service due: {items}.",
        "fault": "The car reports {codes}.",
        "no_session": "I don't know of a charging session to stop.",
        "how_much": "How much should I pay?",
        "already_paid": "Already paid: {money} captured.",
        "nothing_to_pay": "Nothing to pay: charging cost {money} and the card hold was released.",
        "held": "Your card holds up to {money}; the actual cost is taken when charging stops.",
        "status": "Battery {battery}%, range {range} km.",
        "service": "Service due: {due}. Fault codes: {codes}.",
        "service_clear": "No service is due and the car reports no fault codes.",
        "none": "none",
        "tool_error": "Sorry, I couldn't do that with the tools I have.",
        "fallback_note": "",
    },
    "zh-CN": {
        "ask": "{summary} 请说“确认”继续，或“取消”。",
        "dropped": "好的，不执行了。",
        "set_aside": "之前那个确认已作废，没有执行。",
        "handover": "{to}为您接手（之前是{before}）。",
        "expired": "这个确认已过期，我没有执行。如仍需要，请再说一次。",
        "nothing_pending": "目前没有需要您确认的操作。",
        "cant": "我暂时还不能{what}。",
        "need_location": "我需要车辆的位置才能做到。",
        "help": "我可以帮您找充电站、地点、停车和美食，导航、预订和支付。需要什么？",
        "stations": "找到{n}个充电站。第一个是{name}，距离{km}公里，最大功率{kw}千瓦。",
        "no_stations": "没有找到符合条件的充电站。",
        "places": "找到{n}个地点。第一个是{name}，距离{km}公里。",
        "no_places": "没有找到符合条件的地点。",
        "slots": "找到{n}个可预订时段。第一个在{venue}，{start}。",
        "no_slots": "没有可预订的时段。",
        "destination": "开始导航去{name}。",
        "route": "路线全长{km}公里，约{min}分钟。",
        "accepted": "已开始：{tool}正在进行。",
        "charging_started": "正在开始充电。",
        "session": "充电状态：{status}。",
        "payment": "支付状态：{status}。",
        "reservation": "预订状态：{status}。",
        "reservation_at": "预订{status}：{venue}，{start}。",
        "done": "好了。",
        "failed": "抱歉，没有成功：{detail}",
        "which": "哪一个？可以说“第一个”、“最近的”或它的名字。",
        "battery_is": "电量{battery}%",
        "range_is": "续航{range}公里",
        "range_unknown": "车辆没有报告续航",
        "where_to": "要去哪里？",
        "heading": "目的地是{name}。",
        "no_destination": "还没有设置目的地。",
        "reach_yes": "可以：{name}距离{km}公里，续航还有{range}公里。",
        "reach_no": "这点电到不了：{name}距离{km}公里，续航只有{range}公里。",
        "reach_stop": "建议途中在{stop}充电。",
        "reach_unknown": "{name}距离{km}公里；车辆没有报告续航。",
        "unknown_merchant": "我不认识名为{name}的商户。",
        "to_whom": "要付给谁？",
        "what_to_book": "要预订什么：餐厅、停车位、酒店还是保养？",
        "nothing_to_cancel": "您没有可以取消的预订。",
        "no_such_method": "您的支付方式里没有这一种。",
        "service_due": "需要保养：{items}。",
        "fault": "车辆报告了{codes}。",
        "no_session": "我不知道有哪个充电会话需要停止。",
        "how_much": "要支付多少钱？",
        "already_paid": "已经支付：已扣款{money}。",
        "nothing_to_pay": "无需支付：本次充电费用{money}，卡上的预授权已释放。",
        "held": "您的卡已预授权最多{money}，停止充电时按实际费用扣款。",
        "status": "电量{battery}%，续航{range}公里。",
        "service": "待保养项目：{due}。故障码：{codes}。",
        "service_clear": "目前没有待保养项目，车辆也没有报告故障码。",
        "none": "无",
        "tool_error": "抱歉，现有的工具做不到这件事。",
        "fallback_note": "",
    },
}
CANT = {
    "en-US": {"charging": "find chargers", "navigation": "navigate", "places": "search for places",
              "booking": "book tables or spots", "payments": "take payments",
              "status": "read charging status"},
    "zh-CN": {"charging": "查找充电站", "navigation": "导航", "places": "搜索地点", "booking": "预订",
              "payments": "支付", "status": "查询充电状态"},
}  # fmt: skip


# Every status a session, payment or reservation reports, as the driver hears it (never the raw code).
STATUS_ZH = {
    "active": "充电中", "pending": "启动中", "stopping": "正在停止", "completed": "已结束", "invalid": "无效",
    "failed": "失败", "processing": "处理中", "requires_capture": "已预授权", "succeeded": "已完成",
    "canceled": "已取消", "captured": "已完成", "authorized": "已授权", "refunded": "已退款",
    "voided": "已释放", "not_required": "无需支付", "confirmed": "已确认", "fulfilled": "已完成",
    "cancelled": "已取消", "no_show": "未到场",
}  # fmt: skip
STATUS_EN = {"requires_capture": "held on your card", "not_required": "not needed", "no_show": "a no-show"}


def status_word(locale: str, status: Any) -> str:
    word = str(status or "?").lower()
    return STATUS_ZH.get(word, word) if locale == "zh-CN" else STATUS_EN.get(word, word)


def say(locale: str, key: str, **values: Any) -> str:
    return TEXT.get(locale, TEXT["en-US"])[key].format(**values)


def cant(locale: str, what: str) -> str:
    return say(locale, "cant", what=CANT.get(locale, CANT["en-US"]).get(what, what))


def money(value: Any, locale: str) -> str:
    """`Money.text` of {"amount": 4550, "currency": "CNY"} (¥45.50); "?" for anything else."""
    try:
        return Money.model_validate(value).text(locale)
    except ValueError:
        return "?"


def paid(locale: str, payment: dict[str, Any]) -> str:
    """What "pay for charging" answers when the session paid by its card hold."""
    captured = payment.get("captured")
    if isinstance(captured, dict) and captured.get("amount") == 0:
        return say(locale, "nothing_to_pay", money=money(captured, locale))
    if isinstance(captured, dict):
        return say(locale, "already_paid", money=money(captured, locale))
    return say(locale, "held", money=money(payment.get("hold"), locale))


WEEKDAYS_ZH = "一二三四五六日"
# what a failed call's problem means to a driver, by HTTP status (the problem's detail is English)
FAILED_ZH = {400: "请求的内容不对", 402: "支付被拒绝", 403: "没有权限", 404: "没有找到",
             409: "状态已经变了，请再试一次", 410: "已经过期", 422: "这个请求做不到",
             429: "请求太频繁，请稍后再试", 503: "服务暂时不可用"}  # fmt: skip

FAILED_ZH_BY_TYPE = {"payment-limit-exceeded": "金额超过了支付限额", "payment-declined": "支付被拒绝了",
                     "unavailable": "已经没有空位了",
                     "booking-limit-exceeded": "这个时段您已经订满了"}  # fmt: skip


def when(locale: str, value: Any) -> str:
    """A time as a driver hears it, in the place's own time zone (the ISO text carries its offset):
    "Sat 5 Dec 17:30" / "12月5日(周六)17:30" with Chinese brackets; "?" when it is not a time."""
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return "?"
    if locale == "zh-CN":
        return f"{at.month}月{at.day}日（周{WEEKDAYS_ZH[at.weekday()]}）{at:%H:%M}"
    return f"{at:%a} {at.day} {at:%b %H:%M}"


def failed(locale: str, problem: dict[str, Any]) -> str:
    """A failed call, said in the session's language: the problem's detail for English, what its status
    means for Chinese (a partner's or the gateway's detail is English text)."""
    detail = str(problem.get("detail") or problem.get("title") or "error")
    if locale == "zh-CN":
        status, kind = problem.get("status"), str(problem.get("type") or "").rsplit("/", 1)[-1]
        by_status = FAILED_ZH.get(status if isinstance(status, int) else 0, "出了点问题")
        detail = FAILED_ZH_BY_TYPE.get(kind) or by_status
    return say(locale, "failed", detail=detail)


def _kw(value: Any) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return "?"


def _km(value: Any) -> str:
    try:
        return f"{float(value):.1f}"
    except (TypeError, ValueError):
        return "?"


def describe(locale: str, tool: str, status: str, result: dict[str, Any] | None) -> str:
    """One sentence about one tool's outcome."""
    r = result or {}
    found = r.get("operation")
    operation: dict[str, Any] = found if isinstance(found, dict) else {}
    if status == "accepted" and operation.get("status") == "failed":
        return say(locale, "failed", detail=tool)
    if status == "accepted" and operation.get("status") == "succeeded" and isinstance(r.get("session"), dict):
        return say(locale, "session", status=status_word(locale, r["session"].get("status")))
    if status == "accepted":
        return (
            say(locale, "charging_started")
            if tool == "charging_start_session"
            else say(locale, "accepted", tool=tool)
        )
    return _lists(locale, r) or _things(locale, r)


def _lists(locale: str, r: dict[str, Any]) -> str:
    if "stations" in r:
        s = r["stations"]
        if not s:
            return say(locale, "no_stations")
        return say(locale, "stations", n=len(s), name=s[0].get("name", "?"), km=_km(s[0].get("distance_km")),
                   kw=_kw(s[0].get("max_power_kw")))  # fmt: skip
    if "places" in r:
        p = r["places"]
        if not p:
            return say(locale, "no_places")
        return say(locale, "places", n=len(p), name=p[0].get("name", "?"), km=_km(p[0].get("distance_km")))
    if "slots" in r:
        sl = r["slots"]
        if not sl:
            return say(locale, "no_slots")
        return say(locale, "slots", n=len(sl), venue=(sl[0].get("venue") or {}).get("name", "?"),
                   start=when(locale, sl[0].get("start")))  # fmt: skip
    return ""


def _things(locale: str, r: dict[str, Any]) -> str:
    if "destination" in r:
        dest = r["destination"] if isinstance(r["destination"], dict) else {}
        return say(locale, "destination", name=dest.get("name") or "?")
    if "route" in r and isinstance(r["route"], dict):
        return say(
            locale, "route", km=_km(r["route"].get("distance_km")), min=r["route"].get("duration_min", "?")
        )
    booked = r.get("reservation")
    if isinstance(booked, dict) and isinstance(booked.get("venue"), dict):
        venue, status = booked["venue"].get("name") or "?", status_word(locale, booked.get("status"))
        start = when(locale, booked.get("start"))
        return say(locale, "reservation_at", status=status, venue=venue, start=start)
    for key in ("session", "payment", "reservation"):
        if isinstance(r.get(key), dict):
            return say(locale, key, status=status_word(locale, r[key].get("status")))
    return say(locale, "done")


def cards(tool: str, status: str, result: dict[str, Any] | None) -> list[Card]:
    r = result or {}
    if "stations" in r:
        return [Card(type="stations", stations=r["stations"][:10])]
    if "places" in r:
        return [Card(type="places", places=r["places"][:10])]
    if "route" in r or "destination" in r:
        return [Card(type="route", **{k: r[k] for k in ("route", "destination") if k in r})]
    if "payment" in r:
        return [Card(type="payment", payment=r["payment"])]
    if "reservation" in r or "slots" in r:
        return [Card(type="reservation", **{k: r[k] for k in ("reservation", "slots") if k in r})]
    if status == "accepted":
        return [Card(type="text", text=f"{tool}: accepted", operation=r.get("operation"))]
    return []


def join(locale: str, parts: list[str]) -> str:
    """Clauses as one spoken sentence."""
    if locale == "zh-CN":
        return "，".join(parts) + "。"
    text = ", ".join(parts)
    return text[:1].upper() + text[1:] + "."


SERVICE_NAMES = {  # the car's due-item codes as a driver says them
    "oil_change": ("oil change", "更换机油"), "inspection": ("inspection", "常规检查"),
    "brakes": ("brakes", "刹车"), "brake_fluid": ("brake fluid", "刹车油"), "brake_pads": ("brake pads",
    "刹车片"),
    "tyres": ("tyres", "轮胎"), "tires": ("tyres", "轮胎"), "tyre_rotation": ("tyre rotation", "轮胎换位"),
    "tire_rotation": ("tyre rotation", "轮胎换位"), "battery_12v": ("12-volt battery", "12伏蓄电池"),
    "12v_battery": ("12-volt battery", "12伏蓄电池"), "hv_battery": ("high-voltage battery check",
    "高压电池检查"),
    "air_conditioning": ("air conditioning", "空调"), "cabin_filter": ("cabin air filter", "空调滤芯"),
    "diagnostics": ("diagnostics", "故障诊断"), "software_update": ("software update", "软件升级"),
    "wipers": ("wiper blades", "雨刮"), "wiper_blades": ("wiper blades", "雨刮"), "coolant": ("coolant",
    "冷却液"),
    "annual_inspection": ("annual inspection", "年检"),
}  # fmt: skip


def service_items(locale: str, codes: tuple[str, ...] | list[str]) -> str:
    if not codes:
        return ""
    zh = locale == "zh-CN"
    names = [SERVICE_NAMES.get(c, (c.replace("_", " "), c.replace("_", " ")))[1 if zh else 0] for c in codes]
    return say(locale, "service_due", items=("、" if zh else ", ").join(names))


def fault_codes(locale: str, codes: tuple[str, ...] | list[str]) -> str:
    """Fault codes with what their family means (OBD-II: P powertrain, C chassis, B body, U network)."""
    if not codes:
        return ""
    zh = locale == "zh-CN"
    family = {"P": ("a powertrain fault", "动力系统故障"), "C": ("a chassis fault", "底盘故障"),
              "B": ("a body fault", "车身故障"), "U": ("a network fault", "通信故障")}  # fmt: skip
    parts = []
    for code in codes:
        kind = family.get(code[:1].upper(), ("a fault", "故障"))[1 if zh else 0]
        if code[:1].upper() == "P" and code[1:3].upper() in ("0A", "0B", "0C"):
            kind = "高压电池系统故障" if zh else "a high-voltage battery fault"
        parts.append(f"{kind}（{code}）" if zh else f"{kind} ({code})")
    return say(locale, "fault", codes=("、" if zh else ", ").join(parts))


def reach(locale: str, range_km: float | None, result: dict[str, Any], name: str) -> str:
    route = result.get("route") if isinstance(result.get("route"), dict) else result
    assert isinstance(route, dict)
    km = _km(route.get("distance_km"))
    if range_km is None:
        return say(locale, "reach_unknown", name=name, km=km)
    feasible = route.get("feasible_on_current_charge")
    try:
        ok = bool(feasible) if feasible is not None else float(route.get("distance_km") or 0) <= range_km
    except (TypeError, ValueError):
        ok = False
    if ok:
        return say(locale, "reach_yes", name=name, km=km, range=f"{range_km:.0f}")
    text = say(locale, "reach_no", name=name, km=km, range=f"{range_km:.0f}")
    stops = route.get("charging_stops")
    if isinstance(stops, list) and stops and isinstance(stops[0], dict):
        text += say(locale, "reach_stop", stop=stops[0].get("name") or "?")
    return text
