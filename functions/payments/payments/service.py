"""Payments logic: plan and check a payment, hold or charge it once, capture, cancel, refund.

Money moves only through the processor port, and only after our own record of the payment exists:
the record is written first (processing, with the vehicle's ledger in the same transaction), then the
processor is asked with an idempotency key derived from the payment id, then the outcome is written
as the next state. A duplicated or retried call finds the record and never asks for a second charge.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from cockpit.clock import utcnow
from cockpit.errors import (
    Conflict,
    IdempotencyInProgress,
    NotFound,
    PaymentDeclined,
    PaymentLimitExceeded,
    PaymentStateConflict,
    ProblemError,
    ProblemItem,
    RefundExceedsCaptured,
    UpstreamError,
    UpstreamTimeout,
    ValidationFailed,
)
from cockpit.money import CURRENCY_EXPONENTS, Money
from cockpit.observability import logger
from cockpit.payment_commands import Action, CommandResult, MethodRef, PaymentCommand, PaymentRef, RefundRef
from cockpit.reconcile import ReconcileAnswer, Settled
from cockpit.tools.model import Caller, ToolInvocation
from payments import presenter
from payments.merchants import Merchant, merchant
from payments.models import (
    TRANSITIONS,
    AmountArg,
    CreatePaymentArgs,
    ListMethodsArgs,
    Methods,
    MethodView,
    OnePayment,
    Payment,
    PaymentArgs,
    PaymentStatus,
    PaymentView,
    Refund,
    RefundArgs,
    RefundResult,
    RefundStatus,
    RefundView,
    TrailEntry,
)
from payments.ports import (
    CaptureMode,
    ChargeRequest,
    MethodDirectory,
    PaymentMethod,
    PaymentRecords,
    Processor,
    ProcessorDeclined,
    ProcessorFailed,
    ProcessorPayment,
    ProcessorUnknown,
)
from payments.settings import CurrencyLimits
from payments.store import Ledger

LOCK_S = 30  # a processor call that has not answered by then may be asked again (same idempotency key)
DAY_S = 24 * 3600
ATTEMPTS = 50  # optimistic retries when another payment of the same vehicle moved its ledger


@dataclass(frozen=True)
class Plan:
    amount: Money
    merchant: Merchant
    method: PaymentMethod


@dataclass(frozen=True)
class Deltas:
    authorized: int = 0
    captured: int = 0
    refunded: int = 0


class PaymentsService:
    def __init__(
        self,
        processor: Processor,
        methods: MethodDirectory,
        store: PaymentRecords,
        limits: dict[str, CurrencyLimits],
        clock: Callable[[], datetime] = utcnow,
        lock_s: int = LOCK_S,
    ) -> None:
        self.lock_s = lock_s
        self.processor = processor
        self.directory = methods
        self.store = store
        self.limits = limits
        self.clock = clock

    # -- tools ----------------------------------------------------------------------------------

    def list_methods(self, inv: ToolInvocation, _args: ListMethodsArgs) -> Methods:
        found = sorted(self.directory.methods(inv.caller.sub), key=lambda m: not m.default)
        return Methods(
            methods=[
                MethodView(
                    id=m.id,
                    type=m.type,
                    label=presenter.method_label(m, inv.locale),
                    default=m.default,
                    brand=m.brand,
                    last4=m.last4,
                )
                for m in found
            ]
        )

    def describe_create(self, inv: ToolInvocation, args: CreatePaymentArgs) -> str:
        plan = self._plan(inv.caller.sub, args.amount, args.merchant, args.method_id)
        self._check_day(inv.caller.sub, plan.amount, besides="")
        hold = args.capture == "manual"
        return presenter.pay_question(plan.amount, plan.merchant, plan.method, inv.locale, hold=hold)

    def create_payment(self, inv: ToolInvocation, args: CreatePaymentArgs) -> OnePayment:
        pid = inv.derived_id("pay_", "tool")
        plan = self._plan(inv.caller.sub, args.amount, args.merchant, args.method_id)
        p = self._start(pid, inv.caller.sub, plan, args.capture, args.purpose, args.reference)
        return OnePayment(payment=self._view(p, inv.locale))

    def get_payment(self, inv: ToolInvocation, args: PaymentArgs) -> OnePayment:
        return OnePayment(payment=self._view(self._own(inv.caller.sub, args.payment_id), inv.locale))

    def describe_refund(self, inv: ToolInvocation, args: RefundArgs) -> str:
        p = self._own(inv.caller.sub, args.payment_id)
        amount = self._refund_amount(p, args.amount)
        return presenter.refund_question(amount, self._merchant(p), p.method, inv.locale)

    def refund_payment(self, inv: ToolInvocation, args: RefundArgs) -> RefundResult:
        rid = inv.derived_id("re_", "refund")
        return self._refund(self._own(inv.caller.sub, args.payment_id), rid, args.amount, inv.locale)

    def _refund(self, p: Payment, rid: str, asked: AmountArg | Money | None, locale: str) -> RefundResult:
        """Refund `asked` (what is left if None) once per refund id, never past what was captured."""
        for _ in range(ATTEMPTS):
            existing = self.store.refund(p.id, rid)
            if existing is not None:
                return self._refund_again(p, existing, locale)
            amount = self._refund_amount(p, asked)
            refund = Refund(
                id=rid,
                payment_id=p.id,
                owner=p.owner,
                amount=amount,
                status=RefundStatus.PENDING,
                created_at=self.clock(),
            )
            reserved = self._next(p, refund_reserved=p.refund_reserved + amount.amount)
            entry = self._entry(reserved, "refund_requested", Deltas(), refund_id=rid)
            items = [
                self.store.new_refund(refund),
                self.store.next_payment(reserved, p),
                self.store.trail_item(entry),
            ]
            if self.store.write(items):
                return self._process_refund(reserved, refund, locale)
            p = self._own(p.owner, p.id)  # another refund moved it: check again
        raise Conflict(f"payment {p.id} is busy; retry the refund")

    # -- commands from other domains ------------------------------------------------------------

    def command(
        self, caller: Caller, action: Action, cmd: PaymentCommand, locale: str = "en-US"
    ) -> CommandResult:
        sub = caller.sub
        if action == "quote":
            plan = self._plan(sub, _amount(action, cmd), cmd.domain, cmd.method_id, where="/arguments")
            self._check_day(sub, plan.amount, besides="", where="/arguments")
            ref = MethodRef(
                id=plan.method.id,
                type=plan.method.type,
                label=presenter.method_label(plan.method, locale),
            )
            return CommandResult(method=ref)
        if action == "authorize":
            key = _command_key(action, cmd)
            plan = self._plan(sub, _amount(action, cmd), cmd.domain, cmd.method_id, where="/arguments")
            pid = payment_id("command", sub, cmd.domain, key)
            p = self._start(pid, sub, plan, "manual", cmd.purpose or cmd.domain, cmd.reference)
        else:
            if cmd.payment_id is None and action == "cancel" and cmd.key:
                # void by the key the hold was placed with (a domain that never learnt the payment id,
                # e.g. booking settling a reservation whose maker crashed): nothing held, nothing to do
                found = self.store.get(payment_id("command", sub, cmd.domain, cmd.key))
                if found is None:
                    return CommandResult()
                cmd = cmd.model_copy(update={"payment_id": found.id})
            p = self._own(sub, cmd.payment_id or "")
            if p.merchant != cmd.domain:
                raise NotFound("payment not found")
            if action == "refund":  # e.g. booking, when a prepaid reservation is canceled
                rid = "re_" + _digest("command", sub, cmd.domain, _command_key(action, cmd))
                done = self._refund(p, rid, cmd.amount, locale).refund
                refund = RefundRef(id=done.id, amount=done.amount, status=done.status.value)
                paid = self._ref(self._own(sub, p.id), locale)
                return CommandResult(payment=paid, refund=refund)
            p = self._capture(p, _amount(action, cmd)) if action == "capture" else self._cancel(p)
        return CommandResult(payment=self._ref(p, locale))

    # -- the reconciler -------------------------------------------------------------------------

    def reconcile(self, older_than: timedelta) -> ReconcileAnswer:
        """Ask the processor again, with the same idempotency keys, about payments left `processing`
        and refunds left `pending` for longer than `older_than` (and out of their lock): the processor's
        answer settles them (never a second charge or refund); no answer leaves them waiting."""
        cutoff = self.clock() - older_than
        answer = ReconcileAnswer()
        payments, refunds = self.store.stuck()
        for p in payments:
            if p.updated_at > cutoff or p.locked_until > self.clock().timestamp():
                continue
            with contextlib.suppress(ProblemError):  # a decline is a settlement too; no answer is not
                self._again(p, p.owner)
            after = self.store.get(p.id) or p
            self._report(answer, "payment", p.id, p.status.value, after.status.value, "asked_again")
        for r in refunds:
            if r.created_at > cutoff:
                continue
            paid = self.store.get(r.payment_id)
            if paid is None:
                continue
            with contextlib.suppress(ProblemError):
                self._refund_again(paid, r, "en-US")
            again = self.store.refund(r.payment_id, r.id) or r
            action = "asked_status" if r.processor_ref else "asked_again"
            self._report(answer, "refund", r.id, r.status.value, again.status.value, action)
        return answer

    @staticmethod
    def _report(answer: ReconcileAnswer, record: str, rid: str, was: str, now: str, action: str) -> None:
        if now == was:
            answer.waiting.append(rid)
            return
        truth = f"processor: {now}"
        answer.settled.append(
            Settled(domain="payments", record=record, id=rid, was=was, now=now, truth=truth, action=action)
        )
        logger().info("reconciled", extra={"record": record, "id": rid, "was": was, "now": now})

    # -- checks ---------------------------------------------------------------------------------

    def _plan(
        self,
        owner: str,
        arg: AmountArg | Money,
        merchant_id: str,
        method_id: str | None,
        where: str = "/arguments",
    ) -> Plan:
        """What a payment would be, checked; `where` prefixes the pointers (tool arguments, or a command)."""
        amount = self._checked_amount(arg, f"{where}/amount")
        limits = self.limits[amount.currency]
        if amount.amount > limits.per_payment:
            cap = Money(amount=limits.per_payment, currency=amount.currency)
            raise PaymentLimitExceeded(
                f"{amount.text('en-US')} is above the {cap.text('en-US')} limit per payment",
                errors=[ProblemItem(pointer=f"{where}/amount/amount", message="above the per-payment limit")],
            )
        found = merchant(merchant_id)
        if found is None:
            raise ValidationFailed(
                f"there is no merchant {merchant_id!r}",
                errors=[ProblemItem(pointer=f"{where}/merchant", message="unknown merchant")],
            )
        return Plan(amount=amount, merchant=found, method=self._method(owner, method_id, where))

    def _checked_amount(self, arg: AmountArg | Money, where: str = "/arguments/amount") -> Money:
        if arg.currency not in self.limits:
            allowed = ", ".join(sorted(self.limits))
            raise ValidationFailed(
                f"payments in {arg.currency} are not accepted (allowed: {allowed})",
                errors=[ProblemItem(pointer=f"{where}/currency", message=f"not one of {allowed}")],
            )
        exponent = CURRENCY_EXPONENTS[arg.currency]
        given = arg.exponent if isinstance(arg, AmountArg) else None
        if given is not None and given != exponent:
            raise ValidationFailed(
                f"{arg.currency} has {exponent} decimal(s), not {given}: amounts are in its minor unit",
                errors=[ProblemItem(pointer=f"{where}/exponent", message=f"must be {exponent}")],
            )
        if arg.amount <= 0:
            raise ValidationFailed(
                "an amount must be positive",
                errors=[ProblemItem(pointer=f"{where}/amount", message="must be at least 1")],
            )
        return Money(amount=arg.amount, currency=arg.currency)

    def _method(self, owner: str, method_id: str | None, where: str) -> PaymentMethod:
        methods = list(self.directory.methods(owner))
        if method_id is None:
            found = next((m for m in methods if m.default), methods[0] if methods else None)
            if found is None:
                raise ValidationFailed("this vehicle has no payment method", errors=[
                    ProblemItem(pointer=f"{where}/method_id", message="no method to use")])  # fmt: skip
            return found
        found = next((m for m in methods if m.id == method_id), None)
        if found is None:
            raise ValidationFailed(
                f"there is no payment method {method_id!r} for this vehicle",
                errors=[ProblemItem(pointer=f"{where}/method_id", message="unknown payment method")],
            )
        return found

    def _check_day(
        self,
        owner: str,
        amount: Money,
        *,
        besides: str,
        where: str = "/arguments",
        ledger: Ledger | None = None,
    ) -> Ledger:
        """The vehicle's ledger, if `amount` fits in its rolling day; a write must use this very read."""
        now = self.clock().timestamp()
        ledger = ledger or self.store.ledger(owner, amount.currency)
        limit = self.limits[amount.currency].per_day
        spent = ledger.spent_since(now - DAY_S, besides=besides)
        if spent + amount.amount > limit:
            left = amount.model_copy(update={"amount": max(0, limit - spent)})
            raise PaymentLimitExceeded(
                f"{amount.text('en-US')} would pass this vehicle's limit per 24 hours "
                f"({left.text('en-US')} left)",
                errors=[
                    ProblemItem(pointer=f"{where}/amount/amount", message="above the rolling 24-hour limit")
                ],
            )
        return ledger

    def _refund_amount(self, p: Payment, arg: AmountArg | Money | None) -> Money:
        if p.status is not PaymentStatus.SUCCEEDED:
            raise PaymentStateConflict(
                f"payment {p.id} is {p.status.value}: only a captured payment is refunded"
            )
        left = p.captured - p.refund_reserved
        if arg is None:
            if left <= 0:
                raise RefundExceedsCaptured(f"payment {p.id} has nothing left to refund")
            return p.money(left)
        amount = self._checked_amount(arg)
        if amount.currency != p.amount.currency:
            raise ValidationFailed(
                f"payment {p.id} was made in {p.amount.currency}, not {amount.currency}",
                errors=[
                    ProblemItem(pointer="/arguments/amount/currency", message=f"must be {p.amount.currency}")
                ],
            )
        if amount.amount > left:
            raise RefundExceedsCaptured(
                f"refunding {amount.text('en-US')} would pass what was captured: "
                f"{p.money(max(left, 0)).text('en-US')} is left to refund"
            )
        return amount

    # -- the payment's life ---------------------------------------------------------------------

    def _start(
        self, pid: str, owner: str, plan: Plan, capture: CaptureMode, purpose: str, reference: str | None
    ) -> Payment:
        existing = self.store.get(pid)
        if existing is not None:
            return self._again(existing, owner)
        now = self.clock()
        p = Payment(
            id=pid,
            owner=owner,
            merchant=plan.merchant.id,
            purpose=purpose,
            reference=reference,
            method=plan.method,
            capture=capture,
            amount=plan.amount,
            status=PaymentStatus.PROCESSING,
            version=1,
            processor=self.processor.name,
            locked_until=now.timestamp() + self.lock_s,
            created_at=now,
            updated_at=now,
        )
        entry = self._entry(p, "created", Deltas())
        for _ in range(ATTEMPTS):
            try:  # the check and the write use one read of the ledger, and the write is conditional on it
                ledger = self._check_day(owner, plan.amount, besides=pid)
            except PaymentLimitExceeded:
                existing = self.store.get(pid)  # a duplicate of a payment that already counts
                if existing is not None:
                    return self._again(existing, owner)
                raise
            held = ledger.with_entry(
                pid, plan.amount.amount, now.timestamp(), keep_after=now.timestamp() - DAY_S
            )
            items = [self.store.new_payment(p), self.store.trail_item(entry), self.store.ledger_item(held)]
            if self.store.write(items):
                _log(p, "created")
                return self._charge(p)
            existing = self.store.get(pid)
            if existing is not None:
                return self._again(existing, owner)
        raise Conflict("this vehicle's payments are busy; retry")

    def _again(self, p: Payment, owner: str) -> Payment:
        """The same payment asked for again (a retry, a duplicated invocation): never a second charge."""
        if p.owner != owner:
            raise NotFound("payment not found")
        if p.status is PaymentStatus.FAILED:
            _raise_failure(p)
        if p.status is not PaymentStatus.PROCESSING:
            return p
        return self._charge(self._lock(p))

    def _lock(self, p: Payment) -> Payment:
        """The payment, held for one processor call; 409 (retry later) while another call holds it."""
        now = self.clock().timestamp()
        if p.locked_until > now or not self.store.lock(p, now + self.lock_s, now):
            raise IdempotencyInProgress(
                f"payment {p.id} is being processed", headers={"Retry-After": str(self.lock_s)}
            )
        return p.model_copy(update={"locked_until": now + self.lock_s})

    def _charge(self, p: Payment) -> Payment:
        request = ChargeRequest(
            payment_id=p.id,
            amount=p.amount,
            method=p.method,
            capture=p.capture,
            description=f"{self._merchant(p).en}: {p.purpose}",
            idempotency_key=f"{p.id}-charge",
        )
        try:
            out = self.processor.charge(request)
        except (ProcessorDeclined, ProcessorFailed) as exc:
            self._fail(p, exc)
        except ProcessorUnknown as exc:
            _unknown(exc)
        return self._settle(p, out)

    def _settle(self, p: Payment, out: ProcessorPayment) -> Payment:
        if out.status == "requires_capture":
            return self._transition(
                p, PaymentStatus.REQUIRES_CAPTURE, "authorized", Deltas(authorized=out.capturable),
                authorized=out.capturable, processor_ref=out.ref,
            )  # fmt: skip
        if out.status == "succeeded":
            return self._transition(
                p, PaymentStatus.SUCCEEDED, "captured", Deltas(captured=out.received),
                captured=out.received, processor_ref=out.ref,
                ledger=None if out.received == p.amount.amount else out.received,
            )  # fmt: skip
        self._fail(p, ProcessorFailed("the processor canceled the payment"))

    def _fail(self, p: Payment, exc: ProcessorDeclined | ProcessorFailed) -> NoReturn:
        kind = "declined" if isinstance(exc, ProcessorDeclined) else "failed"
        failed = self._transition(
            p, PaymentStatus.FAILED, kind, Deltas(), failure=str(exc), failure_kind=kind, ledger=0
        )
        _raise_failure(failed)

    def _capture(self, p: Payment, amount: Money) -> Payment:
        if p.status is PaymentStatus.SUCCEEDED and p.captured == amount.amount:
            return p  # the same capture again: answered from the record, the processor is not asked
        if p.status is not PaymentStatus.REQUIRES_CAPTURE:
            raise PaymentStateConflict(f"payment {p.id} is {p.status.value}: there is no hold to capture")
        if amount.currency != p.amount.currency or amount.amount > p.authorized:
            raise ValidationFailed(
                f"a capture must be in {p.amount.currency} and at most the hold "
                f"({p.money(p.authorized).text('en-US')})",
                errors=[ProblemItem(pointer="/amount", message="above the hold or in another currency")],
            )
        if amount.amount == 0:
            return self._cancel(p)
        p = self._lock(p)
        try:
            out = self.processor.capture(str(p.processor_ref), amount, f"{p.id}-capture")
        except ProcessorDeclined as exc:
            self.store.unlock(p)  # nothing happened: the hold may be captured again at once
            raise PaymentDeclined(f"the processor refused the capture: {exc}") from None
        except ProcessorFailed as exc:
            self.store.unlock(p)
            raise UpstreamError(f"the processor could not capture: {exc}") from None
        except ProcessorUnknown as exc:
            _unknown(exc)
        return self._transition(
            p, PaymentStatus.SUCCEEDED, "captured", Deltas(authorized=-p.authorized, captured=out.received),
            authorized=0, captured=out.received, ledger=out.received,
        )  # fmt: skip

    def _cancel(self, p: Payment) -> Payment:
        if p.status is PaymentStatus.CANCELED:
            return p
        if p.status is not PaymentStatus.REQUIRES_CAPTURE:
            raise PaymentStateConflict(f"payment {p.id} is {p.status.value}: there is no hold to cancel")
        p = self._lock(p)
        try:
            self.processor.cancel(str(p.processor_ref), f"{p.id}-cancel")
        except (ProcessorDeclined, ProcessorFailed) as exc:
            self.store.unlock(p)
            raise UpstreamError(f"the processor could not cancel the hold: {exc}") from None
        except ProcessorUnknown as exc:
            _unknown(exc)
        return self._transition(
            p, PaymentStatus.CANCELED, "canceled", Deltas(authorized=-p.authorized), authorized=0, ledger=0
        )

    def _transition(
        self, p: Payment, status: PaymentStatus, event: str, deltas: Deltas, *, ledger: int | None = None,
        **changes: object,
    ) -> Payment:  # fmt: skip
        """Write the payment's next state, its trail item and (if given) its ledger amount, atomically."""
        if status not in TRANSITIONS[p.status]:
            raise PaymentStateConflict(f"payment {p.id} cannot go from {p.status.value} to {status.value}")
        new = self._next(p, status=status, **changes)
        entry = self._entry(new, event, deltas)
        for _ in range(ATTEMPTS):
            items = [self.store.next_payment(new, p), self.store.trail_item(entry)]
            if ledger is not None:
                now = self.clock().timestamp()
                read = self.store.ledger(p.owner, p.amount.currency)
                items.append(
                    self.store.ledger_item(
                        read.with_entry(p.id, ledger, p.created_at.timestamp(), keep_after=now - DAY_S)
                    )
                )
            if self.store.write(items):
                _log(new, event)
                return new
            current = self.store.get(p.id)
            if current is None or (current.status, current.version) != (p.status, p.version):
                now_is = current.status.value if current else "gone"
                raise PaymentStateConflict(f"payment {p.id} changed meanwhile (it is {now_is})")
        raise Conflict(f"payment {p.id} is busy; retry")

    # -- refunds --------------------------------------------------------------------------------

    def _refund_again(self, p: Payment, refund: Refund, locale: str) -> RefundResult:
        if refund.status is RefundStatus.PENDING and refund.processor_ref:
            return self._ask_refund(p, refund, locale)  # the processor took it: ask where it stands
        if refund.status is RefundStatus.PENDING:
            if refund.created_at.timestamp() + self.lock_s > self.clock().timestamp():
                raise IdempotencyInProgress(
                    f"refund {refund.id} is being processed", headers={"Retry-After": str(self.lock_s)}
                )
            return self._process_refund(p, refund, locale)  # its processor call never answered: ask again
        if refund.status is RefundStatus.FAILED:
            raise PaymentDeclined(f"the refund was refused: {refund.failure}")
        return self._refund_result(p, refund, locale)

    def _process_refund(self, p: Payment, refund: Refund, locale: str) -> RefundResult:
        try:
            out = self.processor.refund(str(p.processor_ref), refund.amount, refund.id)
        except (ProcessorDeclined, ProcessorFailed) as exc:
            self._close_refund(p, refund, ok=False, why=str(exc))
            if isinstance(exc, ProcessorDeclined):
                raise PaymentDeclined(f"the refund was refused: {exc}") from None
            raise UpstreamError(f"the processor could not refund: {exc}") from None
        except ProcessorUnknown as exc:
            _unknown(exc)
        if out.status == "pending":  # taken, not done: it stays pending (and reserved) until it settles
            return self._refund_result(p, self._await_refund(p, refund, out.ref), locale)
        p, done = self._close_refund(p, refund, ok=True, why=None, ref=out.ref)
        return self._refund_result(p, done, locale)

    def _await_refund(self, p: Payment, refund: Refund, ref: str) -> Refund:
        """Record the processor's reference of a refund it answered `pending`; it stays pending."""
        waiting = refund.model_copy(update={"processor_ref": ref})
        if refund.processor_ref == ref or self.store.write(
            [self.store.next_refund(waiting, RefundStatus.PENDING)]
        ):
            return waiting
        return self.store.refund(p.id, refund.id) or waiting  # someone else settled it meanwhile

    def _ask_refund(self, p: Payment, refund: Refund, locale: str) -> RefundResult:
        """A pending refund the processor holds: succeeded, failed (the reservation is given back) or
        still pending, as the processor says now. Never a second refund request."""
        try:
            out = self.processor.refund_status(str(refund.processor_ref), refund.amount)
        except (ProcessorDeclined, ProcessorFailed) as exc:
            p, done = self._close_refund(p, refund, ok=False, why=str(exc), ref=refund.processor_ref)
            raise PaymentDeclined(f"the refund was refused: {done.failure}") from None
        except ProcessorUnknown:
            return self._refund_result(p, refund, locale)  # no answer: it is still what we knew
        if out.status == "pending":
            return self._refund_result(p, refund, locale)
        p, done = self._close_refund(p, refund, ok=True, why=None, ref=out.ref)
        return self._refund_result(p, done, locale)

    def _close_refund(
        self, p: Payment, refund: Refund, *, ok: bool, why: str | None, ref: str | None = None
    ) -> tuple[Payment, Refund]:
        status = RefundStatus.SUCCEEDED if ok else RefundStatus.FAILED
        done = refund.model_copy(update={"status": status, "failure": why, "processor_ref": ref})
        amount = refund.amount.amount
        for _ in range(ATTEMPTS):
            current = self.store.get(p.id) or p
            if ok:
                new = self._next(current, refunded=current.refunded + amount)
                entry = self._entry(new, "refunded", Deltas(refunded=amount), refund_id=refund.id)
            else:
                new = self._next(current, refund_reserved=current.refund_reserved - amount)
                entry = self._entry(new, "refund_failed", Deltas(), refund_id=refund.id)
            items = [
                self.store.next_refund(done, RefundStatus.PENDING),
                self.store.next_payment(new, current),
                self.store.trail_item(entry),
            ]
            if self.store.write(items):
                _log(new, entry.event)
                return new, done
            again = self.store.refund(p.id, refund.id)
            if again is not None and again.status is not RefundStatus.PENDING:
                return self.store.get(p.id) or current, again  # someone else closed it
        raise Conflict(f"payment {p.id} is busy; retry the refund")

    def _refund_result(self, p: Payment, refund: Refund, locale: str) -> RefundResult:
        view = RefundView(id=refund.id, amount=refund.amount, status=refund.status)
        return RefundResult(payment=self._view(p, locale), refund=view)

    # -- helpers --------------------------------------------------------------------------------

    def _own(self, owner: str, pid: str) -> Payment:
        p = self.store.get(pid) if pid else None
        if p is None or p.owner != owner:  # another vehicle's payment does not exist
            raise NotFound("payment not found")
        return p

    def _next(self, p: Payment, **changes: object) -> Payment:
        """The payment's next version; whoever held it for a processor call lets go with this write."""
        update = {**changes, "version": p.version + 1, "updated_at": self.clock(), "locked_until": 0}
        return p.model_copy(update=update)

    def _entry(self, p: Payment, event: str, d: Deltas, refund_id: str | None = None) -> TrailEntry:
        return TrailEntry(
            payment_id=p.id,
            seq=p.version,
            event=event,
            status=p.status,
            authorized_delta=d.authorized,
            captured_delta=d.captured,
            refunded_delta=d.refunded,
            refund_id=refund_id,
            at=self.clock(),
        )

    @staticmethod
    def _merchant(p: Payment) -> Merchant:
        return merchant(p.merchant) or Merchant(p.merchant, p.merchant, p.merchant)

    def _view(self, p: Payment, locale: str) -> PaymentView:
        return PaymentView(
            id=p.id,
            status=p.status,
            amount=p.amount,
            captured=p.money(p.captured),
            refunded=p.money(p.refunded),
            merchant=p.merchant,
            merchant_name=self._merchant(p).name(locale),
            purpose=p.purpose,
            reference=p.reference,
            method=MethodRef(
                id=p.method.id, type=p.method.type, label=presenter.method_label(p.method, locale)
            ),
            capture=p.capture,
            created_at=p.created_at,
            failure=p.failure,
        )

    def _ref(self, p: Payment, locale: str) -> PaymentRef:
        view = self._view(p, locale)
        return PaymentRef(
            id=p.id,
            status=p.status.value,
            amount=p.amount,
            captured=view.captured,
            refunded=view.refunded,
            method=view.method,
        )


def _log(p: Payment, event: str) -> None:
    """One line per state change: ids, state and amounts only (never the method's digits or tokens)."""
    logger().info(
        "payment changed",
        extra={"payment_id": p.id, "event": event, "status": p.status.value, "version": p.version},
    )


def payment_id(*parts: str) -> str:
    """A payment id derived from who asked and their idempotency key: a retry finds its own payment."""
    return "pay_" + _digest(*parts)


def _digest(*parts: str) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:24]


def _command_key(action: Action, cmd: PaymentCommand) -> str:
    if not cmd.key:
        raise ValidationFailed(
            f"{action} needs a key", errors=[ProblemItem(pointer="/arguments/key", message="required")]
        )
    return cmd.key


def _amount(action: Action, cmd: PaymentCommand) -> Money:
    if cmd.amount is None:
        raise ValidationFailed(
            f"{action} needs an amount", errors=[ProblemItem(pointer="/arguments/amount", message="required")]
        )
    return cmd.amount


def _raise_failure(p: Payment) -> NoReturn:
    error: ProblemError
    if p.failure_kind == "declined":
        error = PaymentDeclined(f"payment {p.id} was declined: {p.failure}")
    else:
        error = UpstreamError(f"payment {p.id} failed at the processor: {p.failure}")
    raise error


def _unknown(exc: ProcessorUnknown) -> NoReturn:
    if exc.timed_out:
        raise UpstreamTimeout(
            f"the payment processor did not answer in time ({exc}); retrying is safe"
        ) from None
    raise UpstreamError(f"the payment processor answered badly ({exc}); retrying is safe") from None
