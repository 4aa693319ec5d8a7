"""The payments table: payments, their append-only trail, their refunds, and per-vehicle ledgers.

    pk PAY#<payment id>       sk PAYMENT           the payment (state, version, the document)
                              sk TRAIL#<seq>       one item per state change, put once, never updated
                              sk REFUND#<id>       a refund (pending → succeeded | failed)
    pk LEDGER#<cur>#<vehicle> sk LEDGER            what the vehicle spent in the last 24 h, with a version

Every change of a payment is one transaction: the payment's conditional update (on its state and
version), its trail item (conditional on not existing) and, where money is held or released, the
vehicle's ledger (conditional on the version read). Two writers can never both pass a check.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from cockpit import aws
from cockpit.ddb import N, S, text, write_if
from payments.models import Payment, Refund, RefundStatus, TrailEntry

Item = dict[str, Any]


class LedgerEntry(BaseModel):
    at: float
    amount: int


class Ledger(BaseModel):
    """A vehicle's holds and charges in one currency (minor units) by payment id; version 0: no item yet."""

    owner: str
    currency: str
    version: int = 0
    entries: dict[str, LedgerEntry] = {}

    def spent_since(self, since: float, *, besides: str = "") -> int:
        return sum(e.amount for pid, e in self.entries.items() if e.at > since and pid != besides)

    def with_entry(self, payment_id: str, amount: int, at: float, *, keep_after: float) -> Ledger:
        """This ledger with the payment's entry set (0 removes it), and entries older than a day dropped."""
        entries = {pid: e for pid, e in self.entries.items() if e.at > keep_after and pid != payment_id}
        if amount > 0:
            entries[payment_id] = LedgerEntry(at=at, amount=amount)
        return self.model_copy(update={"entries": entries, "version": self.version + 1})


class PaymentStore:
    def __init__(self, table: str) -> None:
        self.table = table

    # -- reads ---------------------------------------------------------------------------------

    def get(self, payment_id: str) -> Payment | None:
        item = self._get(f"PAY#{payment_id}", "PAYMENT")
        return Payment.model_validate_json(text(item, "doc")) if item else None

    def refund(self, payment_id: str, refund_id: str) -> Refund | None:
        item = self._get(f"PAY#{payment_id}", f"REFUND#{refund_id}")
        return Refund.model_validate_json(text(item, "doc")) if item else None

    def trail(self, payment_id: str) -> list[TrailEntry]:
        return [TrailEntry.model_validate_json(text(i, "doc")) for i in self._query(payment_id, "TRAIL#")]

    def refunds(self, payment_id: str) -> list[Refund]:
        return [Refund.model_validate_json(text(i, "doc")) for i in self._query(payment_id, "REFUND#")]

    def ledger(self, owner: str, currency: str) -> Ledger:
        item = self._get(f"LEDGER#{currency}#{owner}", "LEDGER")
        if not item:
            return Ledger(owner=owner, currency=currency)
        return Ledger.model_validate_json(text(item, "doc"))

    def stuck(self) -> tuple[list[Payment], list[Refund]]:
        """Payments still `processing` and refunds still `pending`, for the reconciler: a filtered scan
        (few items match; the reconciler runs every few minutes, not per request)."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "(sk = :payment AND #state = :processing) OR "
            "(begins_with(sk, :refund) AND #state = :pending)",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": {
                ":payment": S("PAYMENT"),
                ":processing": S("processing"),
                ":refund": S("REFUND#"),
                ":pending": S("pending"),
            },
            "ConsistentRead": True,
        }
        payments: list[Payment] = []
        refunds: list[Refund] = []
        for page in aws.client("dynamodb").get_paginator("scan").paginate(**request):
            for item in page["Items"]:
                if text(item, "sk") == "PAYMENT":
                    payments.append(Payment.model_validate_json(text(item, "doc")))
                else:
                    refunds.append(Refund.model_validate_json(text(item, "doc")))
        return payments, refunds

    # -- transaction items ----------------------------------------------------------------------

    def new_payment(self, p: Payment) -> Item:
        return {"Put": {"TableName": self.table, "Item": self._payment_item(p),
                        "ConditionExpression": "attribute_not_exists(pk)"}}  # fmt: skip

    def next_payment(self, p: Payment, expected: Payment) -> Item:
        """Replace `expected` by `p` if nobody changed it meanwhile (same state and version)."""
        return {
            "Put": {
                "TableName": self.table,
                "Item": self._payment_item(p),
                "ConditionExpression": "#state = :state AND version = :version",
                "ExpressionAttributeNames": {"#state": "state"},
                "ExpressionAttributeValues": {
                    ":state": S(expected.status.value),
                    ":version": N(expected.version),
                },
            }
        }

    def trail_item(self, e: TrailEntry) -> Item:
        item = {
            "pk": S(f"PAY#{e.payment_id}"),
            "sk": S(f"TRAIL#{e.seq:06d}"),
            "event": S(e.event),
            "doc": S(e.model_dump_json()),
        }
        return {
            "Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
        }

    def new_refund(self, r: Refund) -> Item:
        return {"Put": {"TableName": self.table, "Item": self._refund_item(r),
                        "ConditionExpression": "attribute_not_exists(pk)"}}  # fmt: skip

    def next_refund(self, r: Refund, expected: RefundStatus) -> Item:
        return {
            "Put": {
                "TableName": self.table,
                "Item": self._refund_item(r),
                "ConditionExpression": "#state = :state",
                "ExpressionAttributeNames": {"#state": "state"},
                "ExpressionAttributeValues": {":state": S(expected.value)},
            }
        }

    def ledger_item(self, ledger: Ledger) -> Item:
        """The ledger at its new version, if it is still at the version it was read at."""
        item = {
            "pk": S(f"LEDGER#{ledger.currency}#{ledger.owner}"),
            "sk": S("LEDGER"),
            "version": N(ledger.version),
            "doc": S(ledger.model_dump_json()),
        }
        read_at = ledger.version - 1
        if read_at == 0:
            return {
                "Put": {
                    "TableName": self.table,
                    "Item": item,
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        return {
            "Put": {
                "TableName": self.table,
                "Item": item,
                "ConditionExpression": "version = :read",
                "ExpressionAttributeValues": {":read": N(read_at)},
            }
        }

    def lock(self, p: Payment, locked_until: float, now: float) -> bool:
        """Take the payment for one call to the processor (a capture, a cancel, or asking again after a
        call that never answered): only if nobody holds it and nobody changed it since it was read."""
        return write_if(
            aws.client("dynamodb").update_item,
            TableName=self.table,
            Key={"pk": S(f"PAY#{p.id}"), "sk": S("PAYMENT")},
            UpdateExpression="SET locked_until = :until, doc = :doc",
            ConditionExpression="#state = :state AND version = :version AND locked_until < :now",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":until": N(locked_until),
                ":doc": S(p.model_copy(update={"locked_until": locked_until}).model_dump_json()),
                ":state": S(p.status.value),
                ":version": N(p.version),
                ":now": N(now),
            },
        ).ok

    def unlock(self, p: Payment) -> None:
        """Let go of a payment held for a processor call that certainly did nothing (a refusal)."""
        write_if(
            aws.client("dynamodb").update_item,
            TableName=self.table,
            Key={"pk": S(f"PAY#{p.id}"), "sk": S("PAYMENT")},
            UpdateExpression="SET locked_until = :zero, doc = :doc",
            ConditionExpression="version = :version AND locked_until = :ours",
            ExpressionAttributeValues={
                ":zero": N(0),
                ":doc": S(p.model_copy(update={"locked_until": 0}).model_dump_json()),
                ":version": N(p.version),
                ":ours": N(p.locked_until),
            },
        )

    def write(self, items: list[Item]) -> bool:
        """All of `items` in one transaction; False when one of their conditions failed."""
        return write_if(aws.client("dynamodb").transact_write_items, TransactItems=items).ok

    # -- helpers --------------------------------------------------------------------------------

    def _payment_item(self, p: Payment) -> Item:
        return {
            "pk": S(f"PAY#{p.id}"),
            "sk": S("PAYMENT"),
            "owner": S(p.owner),
            "state": S(p.status.value),
            "version": N(p.version),
            "locked_until": N(p.locked_until),
            "doc": S(p.model_dump_json()),
        }

    def _refund_item(self, r: Refund) -> Item:
        return {
            "pk": S(f"PAY#{r.payment_id}"),
            "sk": S(f"REFUND#{r.id}"),
            "state": S(r.status.value),
            "doc": S(r.model_dump_json()),
        }

    def _get(self, pk: str, sk: str) -> Item:
        got = aws.client("dynamodb").get_item(
            TableName=self.table, Key={"pk": S(pk), "sk": S(sk)}, ConsistentRead=True
        )
        return dict(got.get("Item") or {})

    def _query(self, payment_id: str, prefix: str) -> list[Item]:
        pages = (
            aws.client("dynamodb")
            .get_paginator("query")
            .paginate(
                TableName=self.table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
                ExpressionAttributeValues={":pk": S(f"PAY#{payment_id}"), ":prefix": S(prefix)},
                ConsistentRead=True,
            )
        )
        return [item for page in pages for item in page["Items"]]
