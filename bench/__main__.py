"""`make bench` (python -m bench): what the gateway costs on top of a raw handler, measured in one run.

Every scenario module in bench/scenarios/ yields markdown tables; ratios are against baselines measured
in the same run (the machines are shared and noisy, so timings are never asserted in tests). Goals are
printed under their tables.

    python -m bench                  every scenario, full rounds
    python -m bench --smoke          every scenario, a few rounds: each must run and give rows (make test)
    python -m bench router cold      only these scenarios
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from typing import TextIO

from bench.harness import FULL, ROOT, SMOKE, Rounds
from bench.interrupt import friendly

SCENARIOS = (
    "router",
    "cold",
    "partners",
    "charging",
    "booking",
    "navigation",
    "assistant",
    "payments",
    "contracts",
)


def run_scenario(name: str, rounds: Rounds, out: TextIO) -> int:
    """Print the scenario's tables as they are measured (to `out`, the terminal: a scenario may hold
    stdout while it measures); the number of tables, each with rows."""
    module = importlib.import_module(f"bench.scenarios.{name}")
    count = 0
    for table in module.tables(rounds):
        if not table.rows:
            raise AssertionError(f"{name}: the table {table.title!r} has no rows")
        print(table.markdown(), file=out, flush=True)
        count += 1
    if count == 0:
        raise AssertionError(f"{name}: no table")
    return count


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help=f"only these ({', '.join(SCENARIOS)})"
    )
    parser.add_argument("--smoke", action="store_true", help="few rounds, no goals: every scenario must run")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.scenarios) - set(SCENARIOS))
    if unknown:
        parser.error(f"no scenario {', '.join(unknown)} (there are {', '.join(SCENARIOS)})")
    sys.path.insert(0, str(ROOT))  # scenarios reuse the tests' event builders and fakes
    rounds = SMOKE if args.smoke else FULL
    out = sys.stdout
    print(
        f"# make bench{' (smoke round)' if args.smoke else ''}: every figure is measured in this run "
        "(Ctrl-C stops it)\n",
        flush=True,
    )
    failed = []
    for name in args.scenarios or SCENARIOS:
        started = time.perf_counter()
        try:
            tables = run_scenario(name, rounds, out)
        except Exception:  # one broken scenario must not hide the others' tables; it fails the run
            traceback.print_exc()
            failed.append(name)
            continue
        if args.smoke:
            sys.stderr.write(f"bench: {name}: {tables} table(s) in {time.perf_counter() - started:.1f} s\n")
    if failed:
        sys.stderr.write(f"bench: FAILED: {', '.join(failed)}\n")
        return 1
    return 0


def run(argv: list[str]) -> int:
    """Ctrl-C or a reader that went away (`make bench | head`) ends it in one line."""
    return friendly(
        lambda: main(argv), "bench: interrupted; the tables above are complete, the rest was not measured"
    )


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
