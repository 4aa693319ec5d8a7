"""One reconciler run: ask each stateful domain to settle what is stuck, and audit every action.

The domains do the settling (they own the state machines and the credentials to ask the processor or
the CPO); the reconciler only schedules, collects and audits. A domain that fails is logged and
reported; the others still run. Running twice does nothing more: what was settled is no longer stuck.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, Field

from cockpit.clock import utcnow
from cockpit.errors import ProblemError
from cockpit.observability import logger
from cockpit.reconcile import ReconcileAnswer, Settled
from reconciler.audit import AuditLog

Ask = Callable[[str, int], ReconcileAnswer]


class RunReport(BaseModel):
    at: datetime
    settled: list[Settled] = Field(default_factory=list)
    waiting: dict[str, list[str]] = Field(default_factory=dict)
    failed: dict[str, str] = Field(default_factory=dict, description="domain → why it could not run")


class Reconciler:
    def __init__(
        self,
        domains: dict[str, str],
        ask: Ask,
        audit: AuditLog,
        older_than_s: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.domains = domains
        self.ask = ask
        self.audit = audit
        self.older_than_s = older_than_s
        self.clock = clock

    def run(self) -> RunReport:
        report = RunReport(at=self.clock())
        for domain, function in self.domains.items():
            try:
                answer = self.ask(function, self.older_than_s)
            except ProblemError as exc:
                logger().warning("reconcile failed", extra={"domain": domain, "status": exc.status})
                report.failed[domain] = exc.detail
                continue
            for action in answer.settled:
                self.audit.record(report.at, action)
                report.settled.append(action)
            if answer.waiting:
                report.waiting[domain] = answer.waiting
        logger().info(
            "reconciled",
            extra={
                "settled": len(report.settled),
                "waiting": sum(len(w) for w in report.waiting.values()),
                "failed": sorted(report.failed),
            },
        )
        return report
