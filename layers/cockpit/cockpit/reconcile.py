"""Settling what is stuck: the internal `reconcile.settle` command that payments, booking and charging
serve (in the one envelope of `cockpit.internal`; the reconciler function sends it). Models only.

Each domain settles its own records (it holds the state machine, and the credentials to ask the
processor or the CPO for the truth) and answers what it did: one `Settled` per record it moved, with
the truth it acted on, and the ids still `waiting` (nobody could say yet). The reconciler writes one
audit record per `Settled`. Settling is idempotent: a record settled is no longer stuck, so a second
run finds nothing more to do.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from cockpit.tools.model import Caller, Role

COMMAND = "reconcile.settle"
# Who asks: the gateway's own scheduled run, on nobody's behalf (the domains settle every owner's records).
RECONCILER = Caller(sub="cockpit:reconciler", role=Role.ADMIN)


class ReconcileRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    older_than_s: int = Field(ge=0, le=7 * 24 * 3600, description="only records stuck at least this long")


class Settled(BaseModel):
    """One record moved out of a stuck state."""

    domain: str
    record: str  # payment, refund, reservation, charging_session
    id: str
    was: str
    now: str
    truth: str = Field(description="what the processor, the CPO or our own records said")
    action: str = Field(description="what was done: captured, voided, released, asked_again, ...")


class ReconcileAnswer(BaseModel):
    settled: list[Settled] = Field(default_factory=list)
    waiting: list[str] = Field(default_factory=list, description="stuck, but nobody could say yet")
