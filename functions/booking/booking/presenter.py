"""What the driver hears: the confirmation question for a booking, in the session's locale."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from booking.ports import Kind, Slot
from cockpit.money import Money

SYMBOLS = {"CNY": "¥", "EUR": "€", "USD": "$"}
KIND_ZH = {
    Kind.PARKING: "车位",
    Kind.RESTAURANT: "餐厅",
    Kind.SERVICE_APPOINTMENT: "保养预约",
    Kind.HOTEL: "酒店",
}


def money(m: Money) -> str:
    return f"{SYMBOLS.get(m.currency, m.currency + ' ')}{m.to_major():.2f}"


def _local(slot: Slot, at: datetime) -> datetime:
    return at.astimezone(ZoneInfo(slot.venue.time_zone))


def question(slot: Slot, party_size: int, method_label: str | None, locale: str, nights: int = 1) -> str:
    """`method_label` names the card that pays a prepaid slot ("Visa ending 4242", "Visa 尾号4242");
    `nights`: a hotel stay's (the slot then spans them all)."""
    if locale == "zh-CN":
        return _question_zh(slot, party_size, method_label, nights)
    return _question_en(slot, party_size, method_label, nights)


def _question_zh(slot: Slot, party_size: int, method_label: str | None, nights: int) -> str:
    start, end = _local(slot, slot.start), _local(slot, slot.end)
    free_until = _local(slot, slot.free_cancellation_until) if slot.free_cancellation_until else None
    when_zh = f"{start:%m月%d日 %H:%M}至{end:%m月%d日 %H:%M}"
    parts = [f"预订{slot.venue.display_name('zh-CN')}（{KIND_ZH[slot.venue.kind]}），{when_zh}"]
    if nights > 1:
        parts.append(f"共{nights}晚")
    if slot.venue.kind in (Kind.RESTAURANT, Kind.HOTEL):
        parts.append(f"{party_size}人")
    if slot.requires_prepayment:
        parts.append(f"需预付{money(slot.price)}" + (f"，将从{method_label}扣款" if method_label else ""))
    if slot.cancellation_fee is not None:
        when = f"{free_until:%m月%d日 %H:%M}后" if free_until else ""
        parts.append(f"{when}取消或未到将收取{money(slot.cancellation_fee)}")
    return "，".join(parts) + "。确认预订吗？"


def _question_en(slot: Slot, party_size: int, method_label: str | None, nights: int) -> str:
    start, end = _local(slot, slot.start), _local(slot, slot.end)
    free_until = _local(slot, slot.free_cancellation_until) if slot.free_cancellation_until else None
    text = f"Book {slot.venue.name} on {start:%a %d %b %H:%M}–{end:%H:%M}"
    if end.date() != start.date():
        text = f"Book {slot.venue.name} from {start:%a %d %b %H:%M} to {end:%a %d %b %H:%M}"
    if nights > 1:
        text += f" ({nights} nights)"
    if slot.venue.kind in (Kind.RESTAURANT, Kind.HOTEL):
        text += f" for {party_size}"
    extras = []
    if slot.requires_prepayment:
        extras.append(
            f"prepaid {money(slot.price)}" + (f", charged to your {method_label}" if method_label else "")
        )
    if slot.cancellation_fee is not None:
        when = f" after {free_until:%a %d %b %H:%M}" if free_until else ""
        extras.append(f"cancelling{when} or not showing up costs {money(slot.cancellation_fee)}")
    return text + (f" ({'; '.join(extras)})" if extras else "") + "?"
