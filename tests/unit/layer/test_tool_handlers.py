"""The domain side of a tool call: arguments parsed again, problems as data, confirmation enforced."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from cockpit.errors import NotFound
from cockpit.idempotency import DynamoIdempotencyStore
from cockpit.tools.handlers import ToolHandlers
from cockpit.tools.model import ToolInvocation


class Args(BaseModel):
    model_config = {"extra": "forbid"}
    n: int


class Out(BaseModel):
    doubled: int


tools = ToolHandlers()


@tools.tool("demo_double", Args)
def double(_inv: ToolInvocation, args: Args) -> Out:
    return Out(doubled=args.n * 2)


@tools.tool("demo_pay", Args, preview=lambda _inv, a: f"Pay {a.n}?")
def pay(_inv: ToolInvocation, args: Args) -> Out:
    return Out(doubled=args.n)


@tools.tool("demo_missing", Args)
def missing(_inv: ToolInvocation, _args: Args) -> Out:
    raise NotFound("no such thing")


@tools.tool("demo_crash", Args)
def crash(_inv: ToolInvocation, _args: Args) -> Out:
    raise RuntimeError("boom")


def event(tool: str, arguments: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {
        "kind": "tool_invocation",
        "invocation_id": "i1",
        "tool": tool,
        "arguments": arguments,
        "caller": {"sub": "vin-1", "role": "vehicle"},
        **kw,
    }


def test_result() -> None:
    assert tools.handle(event("demo_double", {"n": 2})) == {"status": "succeeded", "result": {"doubled": 4}}


def test_arguments_are_parsed_again_with_pointers() -> None:
    out = tools.handle(event("demo_double", {"n": "two", "x": 1}))
    assert out["status"] == "failed" and out["error"]["status"] == 422
    assert {e["pointer"] for e in out["error"]["errors"]} == {"/arguments/n", "/arguments/x"}


def test_problems_and_crashes_come_back_as_problem_documents() -> None:
    assert tools.handle(event("demo_missing", {"n": 1}))["error"]["status"] == 404
    crashed = tools.handle(event("demo_crash", {"n": 1}))["error"]
    assert crashed["status"] == 500 and "boom" not in crashed["detail"]
    assert tools.handle(event("demo_unknown", {"n": 1}))["error"]["status"] == 404


def test_preview_and_confirmation_are_enforced_here_too() -> None:
    assert tools.handle(event("demo_pay", {"n": 5}, phase="preview"))["result"] == {"summary": "Pay 5?"}
    refused = tools.handle(event("demo_pay", {"n": 5}))
    assert refused["error"]["status"] == 403
    assert tools.handle(event("demo_pay", {"n": 5}, confirmed=True))["status"] == "succeeded"
    assert tools.handle(event("demo_double", {"n": 5}, phase="preview"))["error"]["status"] == 404


def test_idempotency_records_of_different_callers_never_collide() -> None:
    store = DynamoIdempotencyStore("t")
    assert store._pk("a#b", "c") != store._pk("a", "b#c")
    assert len(store._pk("v" * 256, "k" * 255)["pk"]["S"]) < 100
