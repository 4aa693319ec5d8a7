"""The domains behind the reconciler's `Ask` port: the `reconcile.settle` command, by Lambda Invoke in the
one internal envelope (`cockpit.internal`); a domain's refusal comes back as its ProblemError."""

from __future__ import annotations

from pydantic import ValidationError

from cockpit.errors import UpstreamError
from cockpit.internal import FunctionClient
from cockpit.reconcile import COMMAND, RECONCILER, ReconcileAnswer, ReconcileRequest


def ask(function_name: str, older_than_s: int) -> ReconcileAnswer:
    """One domain function, settled: what it moved and what still waits."""
    arguments = {"older_than_s": older_than_s}
    result = FunctionClient(function_name).command(COMMAND, ReconcileRequest, arguments, RECONCILER)
    try:
        return ReconcileAnswer.model_validate(result)
    except ValidationError:
        raise UpstreamError("reconcile answered malformed data") from None
