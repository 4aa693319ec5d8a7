"""Per-caller limits: token buckets per vehicle, per (vehicle, tool) and per partner, in DynamoDB.

Each bucket is one number, its theoretical arrival time (GCRA, the token bucket written as a time): a
call is allowed when the bucket's time is at most `burst - 1` intervals ahead of now, and pushes it one
interval (60 s / per_minute) further (from now, if the bucket had fallen idle). A vehicle's buckets (all
its calls; this tool, at the rate of the tool's effect: reads, writes, payments) are two attributes of
one item, so a call is one conditional `UpdateItem` that checks and moves both — and a partner tool adds
its partner's item. DynamoDB has no max(), so each attribute's form (running or idle) is chosen from what
this container last saw of it; a wrong guess costs a second, exact write from the item the failed
condition returned. A refused call writes nothing and answers 429 with `Retry-After`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from cockpit import aws, ddb
from cockpit.ddb import Clock, N, S, number, write_if
from cockpit.errors import RateLimited
from cockpit.idempotency import fingerprint
from cockpit.tools.model import Caller, Effect, ToolSpec

ATTEMPTS = 4  # exact writes after a wrong guess before the call is refused as contended
HINTS = 100_000  # bucket times a container remembers (cleared when full)


class Bucket(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    per_minute: float = Field(gt=0, le=60_000)
    burst: int = Field(ge=1, le=10_000)

    @property
    def interval(self) -> float:
        return 60.0 / self.per_minute


class RateLimits(BaseModel):
    """The RATE_LIMITS setting (template parameter `ToolRateLimits`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vehicle: Bucket  # every tool call of one vehicle
    read: Bucket  # one vehicle, one read tool
    write: Bucket  # one vehicle, one write tool
    payment: Bucket  # one vehicle, one tool that moves money
    partner: Bucket  # every call to one partner's tools, all vehicles together

    def for_effect(self, effect: Effect) -> Bucket:
        return {Effect.READ: self.read, Effect.WRITE: self.write, Effect.PAYMENT: self.payment}[effect]


class RateLimiter(Protocol):
    def take(self, caller: Caller, tool: ToolSpec) -> None:
        """Count one call; RateLimited (429, Retry-After) when a bucket is empty."""
        ...


@dataclass(frozen=True)
class _Check:
    attribute: str
    bucket: Bucket


class DynamoRateLimiter:
    def __init__(self, table: str, limits: RateLimits, clock: Clock | None = None) -> None:
        self.table = table
        self.limits = limits
        self.clock = clock or (lambda: ddb.now())
        # What each bucket's time was after this container's last write to it: it picks the form of the
        # next update (idle: restart from now; running: one interval on), so the usual call is one
        # UpdateItem. A wrong guess (another container moved the bucket) costs a second, exact write.
        self._hints: dict[tuple[str, str], float] = {}

    def take(self, caller: Caller, tool: ToolSpec) -> None:
        mine = [
            _Check("all", self.limits.vehicle),
            _Check("t:" + tool.name, self.limits.for_effect(tool.effect)),
        ]
        self._take("RATE#" + fingerprint(["caller", caller.sub]), mine, "this vehicle")
        if tool.source.startswith("partner:"):
            partner = tool.source.split(":", 1)[1]
            self._take(
                "RATE#" + fingerprint(["partner", partner]),
                [_Check("all", self.limits.partner)],
                "this partner",
            )

    def _take(self, pk: str, checks: list[_Check], whose: str) -> None:
        now = self.clock()
        names = {f"#a{i}": c.attribute for i, c in enumerate(checks)}
        values: dict[str, Any] = {":now": N(now), ":keep": N(_keep(checks, now))}
        sets, conditions = ["expires_at = :keep"], []
        for i, c in enumerate(checks):
            if self._hints.get((pk, c.attribute), 0.0) >= now:  # last seen running: push it one interval
                values[f":t{i}"] = N(c.bucket.interval)
                values[f":l{i}"] = N(now + (c.bucket.burst - 1) * c.bucket.interval)
                sets.append(f"#a{i} = #a{i} + :t{i}")
                conditions.append(f"#a{i} BETWEEN :now AND :l{i}")
            else:  # last seen idle (or never): it starts again from now
                values[f":n{i}"] = N(now + c.bucket.interval)
                sets.append(f"#a{i} = :n{i}")
                conditions.append(f"(attribute_not_exists(#a{i}) OR #a{i} < :now)")
        old = self._update(pk, checks, (sets, conditions), names, values)
        for _ in range(ATTEMPTS):
            if old is None:
                return
            old = self._from_idle(pk, checks, old, now, names, whose)
        raise RateLimited(f"too many calls by {whose} at once; retry", headers={"Retry-After": "1"})

    def _remember(self, pk: str, checks: list[_Check], written: dict[str, Any]) -> None:
        if len(self._hints) > HINTS:
            self._hints.clear()
        for c in checks:
            if c.attribute in written:
                self._hints[(pk, c.attribute)] = number(written, c.attribute)

    def _from_idle(
        self,
        pk: str,
        checks: list[_Check],
        old: dict[str, Any],
        now: float,
        names: dict[str, str],
        whose: str,
    ) -> dict[str, Any] | None:
        """The busy path failed: a bucket is idle (or new), or one is empty. Write from what was read."""
        wait = 0.0
        values: dict[str, Any] = {":keep": N(_keep(checks, now))}
        sets, conditions = ["expires_at = :keep"], []
        for i, c in enumerate(checks):
            seen = number(old, c.attribute) if c.attribute in old else None
            base = max(seen if seen is not None else now, now)
            wait = max(wait, base - (now + (c.bucket.burst - 1) * c.bucket.interval))
            values[f":n{i}"] = N(base + c.bucket.interval)
            sets.append(f"#a{i} = :n{i}")
            if seen is None:
                conditions.append(f"attribute_not_exists(#a{i})")
            else:
                values[f":o{i}"] = old[c.attribute]
                conditions.append(f"#a{i} = :o{i}")
        if wait > 0:
            raise RateLimited(
                f"too many calls by {whose}: retry in {math.ceil(wait)} s",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        return self._update(pk, checks, (sets, conditions), names, values)

    def _update(
        self,
        pk: str,
        checks: list[_Check],
        change: tuple[list[str], list[str]],
        names: dict[str, str],
        values: dict[str, Any],
    ) -> dict[str, Any] | None:
        """None when written; else the item the condition found ({} when there is none)."""
        sets, conditions = change
        written = write_if(
            aws.client("dynamodb").update_item,
            TableName=self.table,
            Key={"pk": S(pk)},
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression=" AND ".join(conditions),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="UPDATED_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        if not written:
            self._remember(pk, checks, written.found)
            return written.found
        self._remember(pk, checks, written.response.get("Attributes") or {})
        return None


def _keep(checks: list[_Check], now: float) -> int:
    """When the item may expire (TTL): once every bucket in it would be full again, plus a minute."""
    return math.ceil(now + max(c.bucket.burst * c.bucket.interval for c in checks) + 60)
