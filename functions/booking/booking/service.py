"""Booking logic: search availability, reserve (capacity taken atomically), cancel (capacity given back
exactly once), list. The provider port holds venues, slots and capacity; the store holds reservations."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from booking import needs, presenter
from booking.models import (
    Availability,
    CreateArgs,
    ListArgs,
    OneReservation,
    Payment,
    Reservation,
    ReservationArgs,
    Reservations,
    ReservationStatus,
    ReservationView,
    SearchArgs,
    SlotView,
    VenueView,
)
from booking.ports import BookingProvider, Kind, ReservationRecords, Slot, Venue
from booking.sandbox_data import SERVICE_ITEMS
from cockpit import deadline
from cockpit.clock import utcnow
from cockpit.errors import (
    Conflict,
    IdempotencyInProgress,
    NotFound,
    PaymentDeclined,
    ProblemError,
    ProblemItem,
    Unavailable,
    ValidationFailed,
)
from cockpit.money import Money
from cockpit.observability import logger
from cockpit.payment_commands import RefundRef
from cockpit.payments_client import Payments
from cockpit.reconcile import ReconcileAnswer, Settled
from cockpit.tools.model import Caller, Role, ToolInvocation
from cockpit.undo import Undo
from cockpit.vehicle import Point

MAX_WINDOW = timedelta(days=7)
STALE_PENDING = timedelta(minutes=2)  # far beyond the function's timeout
TWIN_WAIT_S = 5.0  # how long a duplicated create waits for its twin to finish making the reservation
DEFAULT_WINDOW = timedelta(hours=24)
FINAL = (ReservationStatus.CANCELLED, ReservationStatus.FULFILLED, ReservationStatus.NO_SHOW)
DOMAIN = "booking"  # the merchant the payments function knows


def invalid(pointer: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[ProblemItem(pointer=pointer, message=message)])


class BookingService:
    def __init__(
        self,
        provider: BookingProvider,
        reservations: ReservationRecords,
        clock: Callable[[], datetime] = utcnow,
        horizon_days: int = 14,
        payments: Payments | None = None,
        stale_pending: timedelta = STALE_PENDING,
        twin_wait_s: float = TWIN_WAIT_S,
    ) -> None:
        self.stale_pending = stale_pending  # older than this, a pending reservation's maker is gone
        self.twin_wait_s = twin_wait_s
        self.payments = payments
        self.provider = provider
        self.reservations = reservations
        self.clock = clock
        self.horizon = timedelta(days=horizon_days)

    # -- search ---------------------------------------------------------------------------------

    def search(self, inv: ToolInvocation, args: SearchArgs) -> Availability:
        start, end = self._window(args)
        items: list[str] | None = None
        unknown: list[str] | None = None
        if args.kind is Kind.SERVICE_APPOINTMENT:
            items, unknown = self._service_needs(inv, args)
        if args.nights > 1 and args.kind is not Kind.HOTEL:
            raise invalid("/arguments/nights", "nights is for hotels only")
        candidates = self._candidates(inv, args, items or [])
        units = self._units(args.kind, args.party_size)
        distances = {v.id: d for v, d in candidates}
        # a stay of n nights checks in within the window and needs a room on each of its nights
        last_night = min(end + timedelta(days=args.nights - 1), self.clock() + self.horizon)
        free = {
            s.id: s
            for s in self.provider.slots([v for v, _ in candidates], start, last_night)
            if (s.remaining or 0) >= units and s.start > self.clock()
        }
        stays = (self._stay_in(free, s, args.nights) for s in free.values() if s.start < end)
        found = [stay for stay in stays if stay is not None]
        found.sort(key=lambda s: (s.start, distances.get(s.venue.id) or 0.0, s.id))
        return Availability(
            slots=[
                SlotView.of(s, distances.get(s.venue.id), inv.locale, args.nights)
                for s in found[: args.limit]
            ],
            service_items=items,
            unknown_needs=unknown or None,
        )

    def _window(self, args: SearchArgs) -> tuple[datetime, datetime]:
        now = self.clock()
        start = args.start or now
        end = args.end or max(start, now) + (timedelta(days=3) if args.kind is Kind.HOTEL else DEFAULT_WINDOW)
        if args.start is not None and end <= start:
            raise invalid("/arguments/end", "the time window ends before it starts")
        if end <= now:
            raise invalid("/arguments/end", "the time window lies in the past")
        if end - start > MAX_WINDOW:
            raise invalid("/arguments/end", "the time window is longer than 7 days")
        if start > now + self.horizon:
            raise invalid("/arguments/start", f"slots can be booked at most {self.horizon.days} days ahead")
        return max(start, now), min(end, now + self.horizon)

    def _service_needs(self, inv: ToolInvocation, args: SearchArgs) -> tuple[list[str], list[str]]:
        reported = inv.vehicle.service if inv.vehicle else None
        if args.service_items:
            due, codes = list(args.service_items), []
        elif reported and (reported.due or reported.fault_codes):
            due, codes = list(reported.due), list(reported.fault_codes)
        else:
            raise invalid(
                "/arguments/service_items",
                "a service appointment needs to know what the car needs: give service_items, or ask "
                "from a session whose vehicle reports service due items or fault codes",
            )
        items, unknown = needs.resolve(due, codes)
        if not items:
            raise invalid(
                "/arguments/service_items",
                f"none of the needs ({', '.join(unknown)}) is a service that can be booked; "
                f"known services: {', '.join(SERVICE_ITEMS)}",
            )
        return items, unknown

    def _candidates(
        self, inv: ToolInvocation, args: SearchArgs, items: list[str]
    ) -> list[tuple[Venue, float | None]]:
        if args.venue_id is not None:
            venue = self.provider.venue(args.venue_id)
            if venue is None or venue.kind is not args.kind:
                raise NotFound(f"there is no {args.kind.value} venue {args.venue_id}")
            self._check_party(venue, args.party_size)
            if not set(items) <= set(venue.services):
                missing = ", ".join(sorted(set(items) - set(venue.services)))
                raise invalid("/arguments/venue_id", f"{venue.name} does not offer: {missing}")
            origin = args.location or (inv.vehicle.location if inv.vehicle else None)
            return [(venue, None if origin is None else round(distance_km(origin, venue.location), 2))]
        origin = args.location or (inv.vehicle.location if inv.vehicle else None)
        if origin is None:
            raise invalid(
                "/arguments/location", "give a location or a venue_id (no vehicle location is known)"
            )
        out: list[tuple[Venue, float | None]] = []
        for v in self.provider.venues(args.kind):
            d = distance_km(origin, v.location)
            if d <= args.radius_km and _fits(v, args.party_size) and set(items) <= set(v.services):
                out.append((v, round(d, 2)))
        return out

    # -- create ---------------------------------------------------------------------------------

    def _stay_in(self, free: dict[str, Slot], first: Slot, nights: int) -> Slot | None:
        """The stay of `nights` nights from `first`, as one slot, if every night is among `free`."""
        stay = [first]
        while len(stay) < nights:
            following = self.provider.next_night(stay[-1].id)
            if following is None or following not in free:
                return None
            stay.append(free[following])
        return _stay(stay)

    def _nights(self, slot_id: str, nights: int) -> list[str]:
        """The slot ids a stay holds: the check-in night and the ones after it."""
        ids = [slot_id]
        while len(ids) < nights:
            following = self.provider.next_night(ids[-1])
            if following is None:
                break
            ids.append(following)
        return ids

    def describe_create(self, inv: ToolInvocation, args: CreateArgs) -> str | None:
        """The confirmation question, or None when the booking neither prepays nor carries a fee."""
        slot = self._bookable(args)
        if not slot.requires_prepayment and slot.cancellation_fee is None:
            return None
        label = None
        if slot.requires_prepayment:  # checks the method and the amount, names the card; changes nothing
            quoted = self._payments().quote(
                inv.caller, DOMAIN, slot.price, args.payment_method_id, inv.locale
            )
            label = quoted.label
        return presenter.question(slot, args.party_size, label, inv.locale, args.nights)

    def create(self, inv: ToolInvocation, args: CreateArgs) -> OneReservation:
        slot = self._bookable(args)
        rid = reservation_id(inv)
        now = self.clock()
        pay = None
        if slot.requires_prepayment:
            self._payments()  # refuse before writing anything where payments are not wired
            pay = Payment(status="pending", method_id=args.payment_method_id, amount=slot.price)
        reservation = Reservation(
            id=rid,
            owner=inv.caller.sub,
            status=ReservationStatus.PENDING,
            slot_id=slot.id,
            venue=VenueView.of(slot.venue),
            start=slot.start,
            end=slot.end,
            party_size=args.party_size,
            units=self._units(slot.venue.kind, args.party_size),
            nights=args.nights,
            name=args.name,
            price=slot.price,
            requires_prepayment=slot.requires_prepayment,
            cancellation_fee=slot.cancellation_fee,
            free_cancellation_until=slot.free_cancellation_until,
            payment=pay or Payment(status="not_required"),
            created_at=now,
        )
        # The pending reservation is written first and once (its id comes from the Idempotency-Key), so
        # a duplicated invocation finds it and takes no capacity of its own.
        if not self.reservations.create(reservation):
            return OneReservation(reservation=self._view(self._resume(inv, slot, rid), inv.locale))
        made = self._hold_and_confirm(inv.caller, slot, reservation)
        return OneReservation(reservation=self._view(made, inv.locale))

    def _hold_and_confirm(self, caller: Caller, slot: Slot, reservation: Reservation) -> Reservation:
        rid, pending = reservation.id, reservation
        # Nothing is half-written: what was made is taken back, newest first (the nights it holds, then
        # the pending reservation). Releasing is per holder and once, so a release after `_hold` gave
        # everything back already changes nothing.
        with Undo("reservation", rid) as undo:
            undo.add(lambda: self.reservations.forget(pending))
            undo.add(lambda: self._release(pending))
            if not self._hold(reservation):
                raise Unavailable(f"{slot.venue.name} has no room left at {slot.start.isoformat()}")
            if reservation.payment.status == "pending":  # declined or failed: units back, reservation gone
                reservation = self._authorize(caller, slot, reservation)
        # The sandbox venue confirms at once; a real provider's answer would land here.
        confirmed = reservation.model_copy(
            update={"status": ReservationStatus.CONFIRMED, "confirmed_at": self.clock()}
        )
        if not self.reservations.transition(confirmed, ReservationStatus.PENDING):
            # cancelled while being made (the driver was quicker than this call): give the units back
            latest = self.reservations.get(reservation.owner, rid)
            if latest is None or latest.status is ReservationStatus.CANCELLED:
                self._release(reservation)
                self._void(caller, confirmed.payment)
            if latest is None:
                raise Conflict(f"reservation {rid} was removed while it was being made")
            return latest
        return self._capture(caller, confirmed)

    def _hold(self, r: Reservation) -> bool:
        """Hold the reservation's units on each of its nights (one, but for a hotel stay); if any night is
        full, give back every night it holds and answer False."""
        for slot_id in self._nights(r.slot_id, r.nights):
            night = self.provider.slot(slot_id, with_remaining=False)
            if night is None or not self.provider.hold(night, r.id, r.units, r.owner):
                self._release(r)
                return False
        return True

    def _release(self, r: Reservation) -> None:
        """Give back what the reservation holds on each of its nights (each exactly once)."""
        for slot_id in self._nights(r.slot_id, r.nights):
            self.provider.release(slot_id, r.id)

    def _resume(self, inv: ToolInvocation, slot: Slot, rid: str) -> Reservation:
        """The same call again. A pending reservation older than any invocation can run belongs to a
        call that stopped before holding its units: this call finishes it. A younger one may still be
        being made by its twin (a duplicated invocation): its outcome is awaited a few seconds, and if
        it does not come, 409 in progress (retry when it would be stale) — never the pending
        reservation as an outcome, which the gateway would keep as the answer to the driver's yes."""
        found = self._twin_settled(inv, self._own(inv, rid))
        if found.status is ReservationStatus.CONFIRMED and found.payment.status == "authorized":
            return self._capture(inv.caller, found)  # a create whose capture failed: settle it now
        if found.status is not ReservationStatus.PENDING:
            return found
        left = found.created_at + self.stale_pending - self.clock()
        if left > timedelta(0):
            raise IdempotencyInProgress(
                f"reservation {rid} is being made",
                headers={"Retry-After": str(max(1, math.ceil(left.total_seconds())))},
            )
        fresh = found.model_copy(update={"created_at": self.clock()})
        if not self.reservations.restart(found, fresh):  # another call took it over first
            return self._own(inv, rid)
        return self._hold_and_confirm(inv.caller, slot, fresh)

    def _twin_settled(self, inv: ToolInvocation, found: Reservation) -> Reservation:
        """The reservation once its maker has settled it, or as it stands after `twin_wait_s` (less
        when the invocation has less time left) or when it is stale (its maker is gone: no wait)."""
        left = deadline.remaining()
        wait = self.twin_wait_s if left is None else min(self.twin_wait_s, left - 1.0)
        until = time.monotonic() + wait
        pause = 0.05
        while (
            found.status is ReservationStatus.PENDING
            and self.clock() - found.created_at < self.stale_pending
            and time.monotonic() + pause < until
        ):
            time.sleep(pause)
            pause = min(pause * 2, 0.4)
            found = self._own(inv, found.id)
        return found

    def _bookable(self, args: CreateArgs) -> Slot:
        """The slot to book, with its terms — for a hotel stay, all its nights as one slot."""
        slot = self.provider.slot(args.slot_id, with_remaining=False)  # the hold decides on capacity
        if slot is None:
            raise NotFound(f"slot {args.slot_id} not found")
        if args.nights > 1:
            if slot.venue.kind is not Kind.HOTEL:
                raise invalid("/arguments/nights", "nights is for hotels only")
            ids = self._nights(slot.id, args.nights)
            nights = [n for n in (self.provider.slot(i, with_remaining=False) for i in ids) if n is not None]
            if len(nights) < args.nights or nights[-1].start > self.clock() + self.horizon:
                raise invalid(
                    "/arguments/nights",
                    f"a stay of {args.nights} nights from {args.slot_id} goes beyond what can be booked "
                    f"({self.horizon.days} days ahead)",
                )
            slot = _stay(nights)
        if slot.start <= self.clock():
            raise Conflict(f"slot {args.slot_id} has already started")
        if slot.start > self.clock() + self.horizon:
            raise Conflict(f"slot {args.slot_id} opens for booking {self.horizon.days} days ahead")
        self._check_party(slot.venue, args.party_size)
        if slot.requires_prepayment and not args.payment_method_id:
            raise invalid(
                "/arguments/payment_method_id",
                f"{slot.venue.name} is paid in advance: give payment_method_id",
            )
        return slot

    # -- cancel and list ------------------------------------------------------------------------

    def cancel(self, inv: ToolInvocation, args: ReservationArgs) -> OneReservation:
        current = self._own(inv, args.reservation_id)
        if current.status is ReservationStatus.CANCELLED and _owed(current):
            # a cancel that stopped before its refund: finish it (the refund's key makes it happen once)
            return OneReservation(reservation=self._view(self._pay_back(inv.caller, current), inv.locale))
        now = self.clock()
        self._check_cancellable(current, now)
        free_until = current.free_cancellation_until
        fee = None if free_until is not None and now < free_until else current.cancellation_fee
        cancelled = current.model_copy(
            update={"status": ReservationStatus.CANCELLED, "cancelled_at": now, "cancellation_fee_due": fee}
        )
        # Units are freed exactly once (the provider frees only what this reservation still holds); a
        # cancel that stopped after the release, or a racing one, still finds the reservation active.
        self._release(current)
        if not self.reservations.transition(cancelled, current.status):
            self._check_cancellable(self._own(inv, args.reservation_id), now)
            raise Conflict(f"reservation {current.id} changed while cancelling it; try again")
        return OneReservation(reservation=self._view(self._pay_back(inv.caller, cancelled), inv.locale))

    @staticmethod
    def _check_cancellable(r: Reservation, now: datetime) -> None:
        if r.status in FINAL:
            raise Conflict(f"reservation {r.id} is already {r.status.value.replace('_', ' ')}")
        if r.start <= now:
            raise Conflict(f"reservation {r.id} has already started and can no longer be cancelled")

    def list(self, inv: ToolInvocation, args: ListArgs) -> Reservations:
        now = self.clock()
        mine = [self._settle(r, now) for r in self.reservations.list(inv.caller.sub)]
        found = [r for r in mine if args.include_past or r.end > now]
        found.sort(key=lambda r: (r.start, r.id))
        return Reservations(reservations=[self._view(r, inv.locale) for r in found])

    def _settle(self, r: Reservation, now: datetime) -> Reservation:
        """A confirmed booking whose slot is over becomes fulfilled or no_show, as the venue reports."""
        if r.status is not ReservationStatus.CONFIRMED or r.end > now:
            return r
        outcome = self.provider.outcome(r.slot_id, r.id, now)
        if outcome is None:
            return r
        settled = r.model_copy(update={"status": ReservationStatus(outcome.value)})
        if self.reservations.transition(settled, ReservationStatus.CONFIRMED):
            return settled
        return self.reservations.get(r.owner, r.id) or r  # someone settled it first

    # -- the reconciler -------------------------------------------------------------------------

    def reconcile(self, older_than: timedelta) -> ReconcileAnswer:
        """Settle reservations stuck for longer than `older_than` (a pending one: past `stale_pending`
        too, so its maker cannot still be running): a pending reservation whose maker crashed is
        abandoned — its units released, any hold voided, the reservation cancelled (the driver never
        heard it was made); a confirmed one whose capture failed is captured; a cancelled one whose
        money did not go back is paid back."""
        now = self.clock()
        answer = ReconcileAnswer()
        for r in self.reservations.stuck():
            pending = r.status is ReservationStatus.PENDING
            if r.created_at > now - (max(older_than, self.stale_pending) if pending else older_than):
                continue
            if r.status is ReservationStatus.CANCELLED and not _owed(r):
                continue  # a fee kept the whole price: nothing goes back
            caller = Caller(sub=r.owner, role=Role.VEHICLE)
            try:
                if r.status is ReservationStatus.PENDING:
                    after, action, truth = (
                        self._abandon(caller, r, now),
                        "released_and_voided",
                        "maker crashed",
                    )
                elif r.status is ReservationStatus.CONFIRMED:
                    after, action, truth = self._capture(caller, r), "captured", "confirmed by the venue"
                else:
                    after, action, truth = self._pay_back(caller, r), "paid_back", "cancelled by the driver"
            except ProblemError as exc:
                logger().warning("reconcile could not settle a reservation", extra={"status": exc.status})
                answer.waiting.append(r.id)
                continue
            was, is_now = _state(r), _state(after)
            if was == is_now:
                answer.waiting.append(r.id)
                continue
            answer.settled.append(Settled(domain="booking", record="reservation", id=r.id, was=was,
                                          now=is_now, truth=truth, action=action))  # fmt: skip
        return answer

    def _abandon(self, caller: Caller, r: Reservation, now: datetime) -> Reservation:
        """A pending reservation whose maker crashed: give back what it holds, void its hold (by its key:
        the maker may have died before it learnt the payment id), and cancel it."""
        self._release(r)
        pay = r.payment
        if pay.status == "pending" and self.payments is not None:
            voided = self.payments.cancel_by_key(caller, DOMAIN, r.id)
            pay = pay.model_copy(update={"status": "voided", "id": voided.id if voided is not None else None})
        cancelled = r.model_copy(
            update={"status": ReservationStatus.CANCELLED, "cancelled_at": now, "payment": pay}
        )
        if self.reservations.transition(cancelled, ReservationStatus.PENDING):
            return cancelled
        return self.reservations.get(r.owner, r.id) or r  # its maker (or a retry) finished it meanwhile

    # -- payment ---------------------------------------------------------------------------------

    def _payments(self) -> Payments:
        if self.payments is None:
            raise Conflict("paying for bookings through the gateway is not available here")
        return self.payments

    def _authorize(self, caller: Caller, slot: Slot, r: Reservation) -> Reservation:
        """Hold the slot's price with the chosen method; the reservation id is the key, so a retried
        or taken-over create finds its own payment instead of holding twice."""
        held = self._payments().authorize(
            caller, DOMAIN, r.id, slot.price, r.payment.method_id, f"Booking at {slot.venue.name}",
            reference=r.id,
        )  # fmt: skip
        return r.model_copy(
            update={"payment": r.payment.model_copy(update={"status": "authorized", "id": held.id})}
        )

    def _capture(self, caller: Caller, r: Reservation) -> Reservation:
        """Take the held price now that the reservation is confirmed. A failure leaves the payment
        `authorized` (logged): the same create again, or a cancel, settles it."""
        p = r.payment
        if p.status != "authorized" or p.id is None or p.amount is None:
            return r
        try:
            self._payments().capture(caller, DOMAIN, p.id, p.amount)
        except ProblemError as exc:
            logger().warning("could not capture a booking payment", extra={"status": exc.status})
            return r
        captured = r.model_copy(update={"payment": p.model_copy(update={"status": "captured"})})
        if self.reservations.record_payment(captured, "authorized"):
            return captured
        return self.reservations.get(r.owner, r.id) or captured  # a twin recorded it first

    def _pay_back(self, caller: Caller, r: Reservation) -> Reservation:
        """A cancelled reservation's money: a hold never captured is voided; a captured price is refunded
        less the cancellation fee due, with a key of its own (so cancelling twice never refunds twice)."""
        p = r.payment
        if not _owed(r) or p.id is None:
            return r
        if p.status == "authorized":
            done = self._payments().cancel(caller, DOMAIN, p.id)
            paid = p.model_copy(update={"status": "voided" if done.status == "canceled" else p.status})
        else:
            r, refund = self._refund(caller, r)
            paid = p.model_copy(
                update={"status": "refunded", "refunded": refund.amount, "refund_id": refund.id}
            )
        updated = r.model_copy(update={"payment": paid})
        if self.reservations.record_payment(updated, p.status):
            return updated
        return self.reservations.get(r.owner, r.id) or updated

    def _refund(self, caller: Caller, r: Reservation) -> tuple[Reservation, RefundRef]:
        """Refund under `<id>-cancel` (then `-1`, `-2`…): a refund the processor closed as failed
        (nothing moved; asking under its key again answers 402) is asked once more under the next key.
        Any other error keeps the key, so an unknown outcome is never refunded twice."""
        p = r.payment
        assert p.id is not None
        for last in (False, True):
            key = f"{r.id}-cancel" + (f"-{r.refund_attempts}" if r.refund_attempts else "")
            try:
                return r, self._payments().refund(caller, DOMAIN, p.id, key, _refund_due(r))[1]
            except PaymentDeclined:
                r = r.model_copy(update={"refund_attempts": r.refund_attempts + 1})
                self.reservations.record_payment(r, p.status)
                if last:
                    raise
        raise AssertionError("unreachable")

    def _void(self, caller: Caller, p: Payment) -> None:
        """Release the hold of a reservation cancelled while it was being made (logged if it fails: an
        uncaptured hold lapses at the processor on its own)."""
        if p.status != "authorized" or p.id is None or self.payments is None:
            return
        try:
            self.payments.cancel(caller, DOMAIN, p.id)
        except ProblemError as exc:
            logger().warning("could not release a booking hold", extra={"status": exc.status})

    # -- helpers --------------------------------------------------------------------------------

    def _view(self, r: Reservation, locale: str) -> ReservationView:
        """The reservation as the caller reads it, its venue named in the caller's language."""
        venue = self.provider.venue(r.venue.id)
        return ReservationView.of(r, venue.display_name(locale) if venue is not None else None)

    def _own(self, inv: ToolInvocation, reservation_id: str) -> Reservation:
        found = self.reservations.get(inv.caller.sub, reservation_id)
        if found is None:  # another driver's reservation does not exist for this caller
            raise NotFound("reservation not found")
        return found

    @staticmethod
    def _units(kind: Kind, party_size: int) -> int:
        """Capacity one booking takes: covers at a restaurant, one space, bay or room otherwise."""
        return party_size if kind is Kind.RESTAURANT else 1

    @staticmethod
    def _check_party(venue: Venue, party_size: int) -> None:
        if not _fits(venue, party_size):
            raise invalid(
                "/arguments/party_size", f"{venue.name} takes at most {venue.max_party} per booking"
            )


def _fits(venue: Venue, party_size: int) -> bool:
    """Restaurants seat and hotel rooms sleep a party; a parking space or a workshop bay takes any."""
    return venue.kind not in (Kind.RESTAURANT, Kind.HOTEL) or party_size <= venue.max_party


def _stay(nights: list[Slot]) -> Slot:
    """Consecutive nights as one slot: from the first check-in to the last check-out, the nights' prices
    added; prepaid if any night is; the cancellation terms are the first night's (a hotel's fee is one
    night, due once cancelling is no longer free); what is left is the fullest night's."""
    first, last = nights[0], nights[-1]
    if len(nights) == 1:
        return first
    total = sum(n.price.amount for n in nights)
    remaining = [n.remaining for n in nights if n.remaining is not None]
    return first.model_copy(
        update={
            "end": last.end,
            "price": first.price.model_copy(update={"amount": total}),
            "requires_prepayment": any(n.requires_prepayment for n in nights),
            "remaining": min(remaining) if len(remaining) == len(nights) else None,
        }
    )


def _refund_due(r: Reservation) -> Money | None:
    """The price less the cancellation fee due; None when nothing is paid."""
    price = r.payment.amount
    if price is None:
        return None
    fee = r.cancellation_fee_due
    kept = fee.amount if fee is not None and fee.currency == price.currency else 0
    return price.model_copy(update={"amount": max(price.amount - kept, 0)})


def _owed(r: Reservation) -> bool:
    """Whether a cancelled reservation still owes the driver money: an open hold, or a refund > 0."""
    if r.status is not ReservationStatus.CANCELLED:
        return False
    if r.payment.status == "authorized":
        return True
    due = _refund_due(r)
    return r.payment.status == "captured" and due is not None and due.amount > 0


def reservation_id(inv: ToolInvocation) -> str:
    """Derived from (caller, Idempotency-Key): a duplicated invocation finds its own reservation."""
    return inv.derived_id("rs_")


def distance_km(a: Point, b: Point) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _state(r: Reservation) -> str:
    return f"{r.status.value}/{r.payment.status}"
