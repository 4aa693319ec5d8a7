"""Builds the reconciler from settings, once per container; tests pass their parts to `build`."""

from __future__ import annotations

from cockpit.settings import get_settings, once_per_container
from reconciler import domains
from reconciler.audit import AuditLog, DynamoAuditLog
from reconciler.service import Ask, Reconciler
from reconciler.settings import ReconcilerSettings


@once_per_container
def reconciler() -> Reconciler:
    return build(get_settings(ReconcilerSettings))


def build(s: ReconcilerSettings, *, ask: Ask | None = None, audit: AuditLog | None = None) -> Reconciler:
    """The reconciler the settings describe; each override replaces the part it names (tests)."""
    return Reconciler(s.domains(), ask or domains.ask, audit or DynamoAuditLog(s.audit_table), s.older_than_s)
