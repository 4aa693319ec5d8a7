"""The conversation's memory: typed, each entry tagged with the tool whose result produced it.

Only first-party tools' results are remembered: what first-party effects act on (the station to charge
at, the amount "pay for charging" pays, the reservation to cancel) can never come from a partner's
answer, however it is shaped (`{"session": {"cost": ...}}` from a partner is not a charging session).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["station", "place", "slot"]
MAX_ITEMS = 10


class Remembered(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tool: str = Field(min_length=1, description="the first-party tool whose result this entry came from")


class Item(Remembered):
    """One entry of a list the driver was shown: a station, a place, a bookable slot."""

    kind: Kind
    id: str
    name: str = ""
    location: dict[str, float] | None = None
    details: dict[str, Any] = Field(default_factory=dict)  # distance, power, venue, start, price, names


class Ref(Remembered):
    id: str
    status: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class Due(Remembered):
    """What "pay for charging" pays: a first-party charging session's cost."""

    amount: dict[str, Any]
    merchant: str
    purpose: str
    reference: str


class Memory(BaseModel):
    model_config = ConfigDict(extra="ignore")

    stations: list[Item] = Field(default_factory=list)
    places: list[Item] = Field(default_factory=list)
    slots: list[Item] = Field(default_factory=list)
    shown: Kind | None = None  # the last list shown: what "the first one" / "that one" picks from
    destination: Item | None = None
    charging_session: Ref | None = None
    charging_operation: Ref | None = None
    reservations: list[Ref] = Field(default_factory=list)
    payments: list[Ref] = Field(default_factory=list)
    payment_method: Ref | None = None  # the default one
    methods: list[Ref] = Field(default_factory=list)  # every method listed: details type, brand, label
    due: Due | None = None
    paid: Ref | None = None  # the last charging session's card hold/capture: never pay it twice

    def listed(self, kind: Kind | None = None) -> list[Item]:
        """The list "the first one" refers to: the one asked for, else the last one shown."""
        chosen = kind or self.shown
        return {"station": self.stations, "place": self.places, "slot": self.slots}.get(chosen or "", [])


def _item(kind: Kind, tool: str, x: dict[str, Any]) -> Item | None:
    venue: dict[str, Any] = x["venue"] if isinstance(x.get("venue"), dict) else {}
    ident = x.get("id") or x.get("slot_id")
    if not ident:
        return None
    keep = (
        "distance_km",
        "max_power_kw",
        "start",
        "end",
        "price",
        "kind",
        "address",
        "name_zh",
        "name_en",
        "requires_prepayment",
        "nights",
    )
    details = {k: x[k] for k in keep if k in x}
    if venue:
        details["venue"] = {k: venue[k] for k in ("id", "name", "name_zh", "name_en", "kind") if k in venue}
    location = x.get("location") or venue.get("location")
    return Item(
        kind=kind,
        id=str(ident),
        name=str(x.get("name") or venue.get("name") or ""),
        location=location if isinstance(location, dict) else None,
        details=details,
        tool=tool,
    )


def remember(memory: Memory, tool: str, result: dict[str, Any] | None, *, first_party: bool) -> None:
    """Fold one successful result into memory. A partner's result is never remembered."""
    if not first_party or not isinstance(result, dict):
        return
    r = result
    for key, kind in (("stations", "station"), ("places", "place"), ("slots", "slot")):
        if isinstance(r.get(key), list) and r[key]:
            items = [_item(kind, tool, x) for x in r[key][:MAX_ITEMS] if isinstance(x, dict)]  # type: ignore[arg-type]
            setattr(memory, key, [i for i in items if i is not None])
            memory.shown = kind  # type: ignore[assignment]
    dest = r.get("destination")
    if tool.startswith("navigation_") and "destination" in r:  # set, read, or cleared (null)
        point = dest.get("destination") if isinstance(dest, dict) else None
        memory.destination = (
            Item(
                kind="place",
                id=str(dest.get("place_id") or dest.get("id") or "destination"),
                name=str(dest.get("name") or ""),
                location=point,
                tool=tool,
            )
            if isinstance(dest, dict) and isinstance(point, dict)
            else None
        )
    _session(memory, tool, r)
    _payment(memory, tool, r)
    _reservations(memory, tool, r)
    if tool == "payments_list_methods" and (method := default_method(r)):
        memory.payment_method = Ref(id=method, tool=tool)
        listed = [m for m in r.get("methods", []) if isinstance(m, dict) and m.get("id")]
        memory.methods = [_ref(tool, m, ("type", "brand", "label", "last4")) for m in listed[:MAX_ITEMS]]
    operation = r.get("operation")
    if isinstance(operation, dict) and operation.get("id") and tool == "charging_start_session":
        memory.charging_operation = Ref(id=str(operation["id"]), status=operation.get("status"), tool=tool)


def _ref(tool: str, x: dict[str, Any], keep: tuple[str, ...]) -> Ref:
    return Ref(id=str(x["id"]), status=x.get("status"), tool=tool, details={k: x[k] for k in keep if k in x})


def _payment(memory: Memory, tool: str, r: dict[str, Any]) -> None:
    payment = r.get("payment")
    if not (isinstance(payment, dict) and payment.get("id")) or not tool.startswith("payments_"):
        return
    ref = _ref(tool, payment, ("amount", "merchant", "reference"))
    memory.payments = [*[p for p in memory.payments if p.id != ref.id], ref][-MAX_ITEMS:]
    due = memory.due
    if due is not None and payment.get("reference") == due.reference and payment.get("status") == "succeeded":
        # the charging session's cost is paid: "pay for charging" now says so instead of paying again
        memory.due = None
        memory.paid = Ref(
            id=ref.id,
            status=ref.status,
            tool=tool,
            details={"captured": payment.get("captured") or payment.get("amount")},
        )


def _reservations(memory: Memory, tool: str, r: dict[str, Any]) -> None:
    if not tool.startswith("booking_"):
        return
    keep = ("kind", "venue", "start", "slot_id")
    reservation = r.get("reservation")
    if isinstance(reservation, dict) and reservation.get("id"):
        ref = _ref(tool, reservation, keep)
        memory.reservations = [*[x for x in memory.reservations if x.id != ref.id], ref][-MAX_ITEMS:]
    if isinstance(r.get("reservations"), list):
        listed = [x for x in r["reservations"] if isinstance(x, dict) and x.get("id")]
        memory.reservations = [_ref(tool, x, keep) for x in listed[:MAX_ITEMS]]


def _session(memory: Memory, tool: str, r: dict[str, Any]) -> None:
    session = r.get("session")
    if not (isinstance(session, dict) and session.get("id")) or not tool.startswith("charging_"):
        return
    memory.charging_session = Ref(id=str(session["id"]), status=session.get("status"), tool=tool)
    cost = session.get("cost")
    hold = session.get("payment")
    if isinstance(hold, dict) and hold.get("id"):  # paid by its card hold: never pay it twice
        memory.due = None
        memory.paid = _ref(tool, hold, ("hold", "captured"))
    elif isinstance(cost, dict) and cost.get("amount"):  # what "pay for charging" pays
        memory.paid = None
        memory.due = Due(
            amount=cost,
            merchant="charging",  # the payee the payments domain knows (not a station id)
            purpose="charging",
            reference=str(session["id"]),
            tool=tool,
        )


def default_method(result: Any) -> str | None:
    """The default payment method of a payments_list_methods result (else the first)."""
    methods = result.get("methods") if isinstance(result, dict) else None
    if not isinstance(methods, list) or not methods:
        return None
    chosen = next((m for m in methods if isinstance(m, dict) and m.get("default")), methods[0])
    return str(chosen["id"]) if isinstance(chosen, dict) and chosen.get("id") else None
