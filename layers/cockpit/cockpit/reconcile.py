"""Settling what is stuck: the internal `reconcile` event that payments, booking and charging answer,
and the call the reconciler function makes to each.

Each domain settles its own records (it holds the state machine, and the credentials to ask the
processor or the CPO for the truth) and answers what it did: one `Settled` per record it moved, with
the truth it acted on, and the ids still `waiting` (nobody could say yet). The reconciler writes one
audit record per `Settled`. Settling is idempotent: a record settled is no longer stuck, so a second
run finds nothing more to do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cockpit.dispatch.targets import invoke_function
from cockpit.errors import Problem, ProblemError, UpstreamError, from_problem, from_pydantic
from cockpit.observability import log_crash


class ReconcileRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["reconcile"] = "reconcile"
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
    status: Literal["succeeded", "failed"] = "succeeded"
    settled: list[Settled] = Field(default_factory=list)
    waiting: list[str] = Field(default_factory=list, description="stuck, but nobody could say yet")
    error: Problem | None = None


def handle(event: dict[str, Any], run: Callable[[ReconcileRequest], ReconcileAnswer]) -> dict[str, Any]:
    """The domain side: parse the event, run, and answer (never raise: a problem travels as data)."""
    try:
        answer = run(ReconcileRequest.model_validate(event))
    except ValidationError as exc:
        answer = ReconcileAnswer(status="failed", error=from_pydantic(exc).problem())
    except ProblemError as exc:
        answer = ReconcileAnswer(status="failed", error=exc.problem())
    except Exception as exc:
        log_crash("reconcile crashed", exc)
        answer = ReconcileAnswer(status="failed", error=ProblemError("reconcile failed").problem())
    return answer.model_dump(mode="json", exclude_none=True)


def ask(function_name: str, older_than_s: int) -> ReconcileAnswer:
    """The reconciler's side: one domain function, settled."""
    payload = ReconcileRequest(older_than_s=older_than_s).model_dump_json().encode()
    raw = invoke_function(function_name, payload, "reconcile")
    try:
        answer = ReconcileAnswer.model_validate_json(raw)
    except ValidationError:
        raise UpstreamError("reconcile answered malformed data") from None
    if answer.status == "failed":
        raise from_problem(answer.error or UpstreamError("reconcile failed without a problem").problem())
    return answer
