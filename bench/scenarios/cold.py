"""Cold starts in process terms: each function's handler module imported in a fresh interpreter against
a raw handler's imports (boto3 + pydantic), and import plus the first call, which also pays for what is
built on first use (catalog, compiled validators, settings). `bench/cold_path.py` runs the built
artifacts as Lambda lays them out."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor

from bench.harness import ROOT, Rounds, Table, template

GOAL = 3.5  # the slowest handler import, in multiples of the raw handler's
FUNCTIONS = ("authorizer", "router", "charging", "navigation", "booking", "assistant", "payments", "registry")


def first_call_ms(which: str) -> float:
    """In this (fresh) interpreter: import the handler and answer its first call, in ms."""
    started = time.perf_counter()
    if which == "raw":
        from bench.harness import raw_call

        raw_call()()
    elif which == "navigation":
        from bench.harness import function_env, quiet
        from bench.scenarios.navigation import calls

        with function_env("NavigationFunction"), quiet():
            calls()["plan_route"]()
    else:  # the router's environment is this interpreter's own, as Lambda sets it (`first_calls`)
        from bench.harness import router_call
        from bench.scenarios.router import invoke_event, zero_cost_router

        with zero_cost_router():
            router_call(invoke_event())()
    return (time.perf_counter() - started) * 1000


def in_fresh_interpreter(
    code: str, rounds: int, *args: str, env: Mapping[str, str] | None = None
) -> list[float]:
    """The medians of the numbers `code` prints on its last line, run `rounds` times in new interpreters
    (with `env` added to this process's environment)."""
    runs = []
    environ = {**os.environ, **(env or {})}
    for _ in range(rounds):
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env=environ,
        )
        runs.append([float(n) for n in done.stdout.strip().splitlines()[-1].split()])
    return [statistics.median(column) for column in zip(*runs, strict=True)]


IMPORT = """
import sys, time
took = []
for module in sys.argv[1:]:
    started = time.perf_counter()
    __import__(module)
    took.append((time.perf_counter() - started) * 1000)
print(*took)
"""


def imports(rounds: Rounds) -> Table:
    """Each module in its own fresh interpreter. The smoke round imports them all in one (its figures
    mean nothing, as every smoke figure; that each module imports is what it checks)."""
    modules = ["bench.raw_handler", *(f"{fn}.handler" for fn in FUNCTIONS)]
    if rounds.smoke:
        raw, *each = in_fresh_interpreter(IMPORT, rounds.cold, *modules)
    else:
        raw, *each = (in_fresh_interpreter(IMPORT, rounds.cold, module)[0] for module in modules)
    rows = [("raw handler (boto3 + pydantic)", raw, 1.0)]
    rows.extend((f"{fn}.handler", ms, ms / raw) for fn, ms in zip(FUNCTIONS, each, strict=True))
    worst = max(r for _, _, r in rows)
    title = f"Cold import of each handler module (fresh interpreter, median of {rounds.cold}, ms)"
    table = Table(title, ("module", "ms", "× raw"), rows, formats=(".0f", ".2f"))
    table.notes.append(
        f"Goal: ≤ {GOAL:.1f}× raw → {'met' if worst <= GOAL else 'NOT met'} (worst {worst:.2f}×)"
    )
    return table


def first_calls(rounds: Rounds) -> Table:
    code = "import sys; from bench.scenarios.cold import first_call_ms; print(first_call_ms(sys.argv[1]))"
    which = ("raw", "router", "navigation")
    # the router's settings (its dispatcher is built by its wiring) are in the interpreter's environment
    # from the start, as in Lambda: setting them inside the timed call would time the bench's own work
    envs = {"router": template().function_named("RouterFunction").environment}

    def median_ms(w: str) -> float:
        return in_fresh_interpreter(code, rounds.cold, w, env=envs.get(w))[0]

    with ThreadPoolExecutor(rounds.workers) as pool:
        ms = dict(zip(which, pool.map(median_ms, which), strict=True))
    rows = [
        ("raw handler", ms["raw"], 1.0),
        ("router.handler (read tool)", ms["router"], ms["router"] / ms["raw"]),
        ("navigation.handler (plan_route, sandbox)", ms["navigation"], ms["navigation"] / ms["raw"]),
    ]
    title = "Cold start: import and first call in a fresh interpreter (median, ms)"
    return Table(title, ("handler", "ms", "× raw"), rows, formats=(".0f", ".2f"))


def tables(rounds: Rounds) -> Iterator[Table]:
    yield imports(rounds)
    yield first_calls(rounds)
