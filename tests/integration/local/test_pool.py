"""The worker pool on its own (real worker processes, no AWS endpoint): one invocation at a time per
worker, more workers on demand up to the cap, and a fresh worker after a timeout."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from cockpit_dev.pool import FunctionWorkers, WorkerPool, function_environment
from cockpit_dev.template import load_template
from tests.support import localfn

HELPER = load_template(localfn.TEMPLATE).functions["HelperFunction"]


@contextmanager
def running(limit: int, timeout: int = 2) -> Iterator[FunctionWorkers]:
    """The fixture's helper function (with that Timeout) in a started pool of at most `limit` workers."""
    function = replace(HELPER, timeout=timeout)
    nowhere = "http://127.0.0.1:9"
    env = function_environment(function, aws_url=nowhere, lambda_url=nowhere, region="us-east-1")
    workers = FunctionWorkers(function, env, limit=limit)
    pool = WorkerPool([workers])
    pool.start()
    try:
        yield workers
    finally:
        pool.stop()


def run(workers: FunctionWorkers, sleep: float = 0) -> dict[str, float]:
    result = workers.invoke(json.dumps({"pid": True, "sleep": sleep}).encode())
    assert result.error is None, result.payload
    answer: dict[str, float] = result.json()
    return answer


def pid(workers: FunctionWorkers, sleep: float = 0) -> int:
    return int(run(workers, sleep)["pid"])


def twice_at_once(workers: FunctionWorkers) -> list[dict[str, float]]:
    with ThreadPoolExecutor(2) as threads:
        return list(threads.map(lambda _: run(workers, 0.5), range(2)))


def test_at_the_cap_an_invocation_waits_for_a_free_worker() -> None:
    with running(limit=1) as workers:
        first, second = sorted(twice_at_once(workers), key=lambda r: r["began"])
    assert first["pid"] == second["pid"]
    assert second["began"] >= first["ended"]  # one after the other, never two at once in one worker


def test_below_the_cap_a_busy_function_gets_another_worker() -> None:
    with running(limit=8) as workers:
        pids = {r["pid"] for r in twice_at_once(workers)}
        again = {r["pid"] for r in twice_at_once(workers)}
    assert len(pids) == 2
    assert again == pids  # both stay, and are reused


def test_a_timeout_ends_the_worker_and_the_next_invocation_gets_a_fresh_one() -> None:
    with running(limit=8, timeout=1) as workers:
        first = pid(workers)
        result = workers.invoke(json.dumps({"sleep": 3}).encode())
        assert result.error_field("errorType") == "Sandbox.Timedout"
        assert not Path(f"/proc/{first}").exists()
        assert pid(workers) != first
