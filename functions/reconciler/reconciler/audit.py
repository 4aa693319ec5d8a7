"""The reconciler's audit trail: one item per action, never updated (AuditTable).

`pk = AUDIT#<yyyy-mm-dd>` (the run's UTC day), `sk = <run time>#<domain>#<record>#<id>`; written with
`attribute_not_exists`, kept 400 days (TTL `expires_at`). The items carry ids and states, never a
vehicle id, an amount's card or a location."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from cockpit import aws
from cockpit.ddb import N, S, write_if
from cockpit.reconcile import Settled

KEEP = timedelta(days=400)


class AuditLog(Protocol):
    def record(self, run_at: datetime, action: Settled) -> None: ...


class DynamoAuditLog:
    def __init__(self, table: str) -> None:
        self.table = table

    def record(self, run_at: datetime, action: Settled) -> None:
        at = run_at.isoformat(timespec="milliseconds")
        # the same action of the same run, written twice: once is enough
        write_if(
            aws.client("dynamodb").put_item,
            TableName=self.table,
            Item={
                "pk": S(f"AUDIT#{run_at.date().isoformat()}"),
                "sk": S(f"{at}#{action.domain}#{action.record}#{action.id}"),
                "at": S(at),
                "domain": S(action.domain),
                "record": S(action.record),
                "id": S(action.id),
                "was": S(action.was),
                "now": S(action.now),
                "truth": S(action.truth),
                "action": S(action.action),
                "expires_at": N(int((run_at + KEEP).timestamp())),
            },
            ConditionExpression="attribute_not_exists(pk)",
        )
