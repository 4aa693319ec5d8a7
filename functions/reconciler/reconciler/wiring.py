"""Builds the reconciler from settings, once per container."""

from __future__ import annotations

from cockpit.settings import get_settings, per_container
from reconciler.audit import DynamoAuditLog
from reconciler.domains import ask
from reconciler.service import Reconciler
from reconciler.settings import ReconcilerSettings


@per_container
def reconciler() -> Reconciler:
    s = get_settings(ReconcilerSettings)
    return Reconciler(s.domains(), ask, DynamoAuditLog(s.audit_table), s.older_than_s)
