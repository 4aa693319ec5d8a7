"""`make bench`, cold path: one tool call as a cold Lambda fleet answers it, on the built artifacts.

The authorizer (a real RS256 token), the charging function (charging_find_stations, sandbox) and the
router (the same tool call; its Lambda Invoke answered by a stub with charging's real answer) are each
started in a fresh interpreter laid out as Lambda lays it out (`python -I -S`: the function's built code
folder, the built layer's python/ folder, the runtime's AWS SDK; DynamoDB and Secrets Manager from a moto
server this script starts), imported and called once. Against a raw cold baseline in the same run: a
trivial pydantic handler (bench/raw_handler.py) started, imported and called the same way.

    python bench/cold_path.py [--build DIR] [--sdk DIR] [--python PYTHON] [--rounds N]

The default build is `make artifacts`'s host build (.aws-sam/host). Ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cockpit_dev import aws_endpoint, devkeys, provision  # noqa: E402
from cockpit_dev.net import free_port  # noqa: E402
from cockpit_dev.pool import function_environment  # noqa: E402
from cockpit_dev.template import Function, load_template  # noqa: E402
from tests.support import events  # noqa: E402

FIND = {"location": {"lat": 31.2304, "lon": 121.4737}, "radius_km": 3, "limit": 5}
# Run in the clean interpreter: import the handler, call it once, report both times (ms) on the last line.
PROBE = """
import importlib, json, os, sys, time
spec = json.loads(sys.argv[1])
sys.path[:0] = spec["path"]
os.chdir(spec["path"][0])
t0 = time.perf_counter()
module, _, attribute = spec["handler"].rpartition(".")
handler = getattr(importlib.import_module(module), attribute)
t1 = time.perf_counter()
class Context:
    function_name = spec["name"]; aws_request_id = "bench"; memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + spec["name"]
    def get_remaining_time_in_millis(self): return 10000
try:
    answer = handler(spec["event"], Context())
except Exception as exc:
    answer = {"raised": repr(exc)}
t2 = time.perf_counter()
sys.stdout.flush()
times = {"import": (t1 - t0) * 1000, "call": (t2 - t1) * 1000}
os.write(1, ("\\n" + json.dumps({**times, "answer": answer})).encode())
"""


class StubLambda(BaseHTTPRequestHandler):
    """Lambda's Invoke API, answering every invocation with one canned result at zero cost."""

    answer: bytes = b"{}"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.answer)))
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, *_args: Any) -> None:
        return


@contextmanager
def stub_lambda() -> Iterator[tuple[str, type[StubLambda]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubLambda)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", StubLambda
    finally:
        server.shutdown()


def cold_start(python: str, spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        [python, "-I", "-S", "-B", "-c", PROBE, json.dumps(spec)], env=env, capture_output=True, check=False
    )
    wall = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{spec['handler']} failed:\n{done.stderr.decode()[-3000:]}")
    found: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return {**found, "wall": wall}


def median_of(rounds: int, python: str, spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    runs = [cold_start(python, spec, env) for _ in range(rounds)]
    keys = ("import", "call", "wall")
    return {**{k: statistics.median(r[k] for r in runs) for k in keys}, "answer": runs[-1]["answer"]}


def measure(build: Path, sdk: Path, python: str, rounds: int) -> list[tuple[str, dict[str, Any]]]:
    layer = str((build / "CockpitLayer" / "python").resolve())
    keys = Path(tempfile.mkdtemp(prefix="bench-keys-"))
    moto = aws_endpoint.start_moto(free_port(), keys / "moto.log")  # stopped below: this run's own
    aws_url = moto.url
    try:
        parameters = {"JwksJson": json.dumps(devkeys.jwks(keys))}
        template = load_template(ROOT / "template.yaml", parameters=parameters)
        ids = provision.provision(template, aws_url).physical_ids
        template = load_template(ROOT / "template.yaml", parameters=parameters, physical_ids=ids)
        with stub_lambda() as (lambda_url, stub):

            def run(fn: Function, event: dict[str, Any]) -> dict[str, Any]:
                env = function_environment(
                    fn, aws_url=aws_url, lambda_url=lambda_url, region="us-east-1", base={}
                )
                task = str((build / fn.logical_id).resolve())
                spec = {
                    "path": [task, layer, str(sdk)],
                    "handler": fn.handler,
                    "name": fn.name,
                    "event": event,
                }
                return median_of(rounds, python, spec, {**env, "LAMBDA_TASK_ROOT": task})

            raw_dir = Path(tempfile.mkdtemp(prefix="bench-raw-"))
            shutil.copy(ROOT / "bench" / "raw_handler.py", raw_dir)
            raw_event = events.invoke("charging_find_stations", FIND)
            raw_env = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": aws_url}
            raw_spec = {
                "path": [str(raw_dir), layer, str(sdk)],
                "handler": "raw_handler.handler",
                "name": "raw",
            }
            raw = median_of(rounds, python, {**raw_spec, "event": raw_event}, raw_env)
            assert raw["answer"]["statusCode"] == 200, raw["answer"]

            token = devkeys.token("vehicle", "vin-bench", folder=keys)
            authorizer = run(
                template.functions["AuthorizerFunction"],
                {**events.sample("authorizer/token.json"), "authorizationToken": f"Bearer {token}"},
            )
            assert authorizer["answer"].get("context", {}).get("role") == "vehicle", authorizer["answer"]
            invocation = {**events.sample("charging/find_stations.json"), "arguments": FIND}
            charging = run(template.functions["ChargingFunction"], invocation)
            assert charging["answer"].get("status") == "succeeded", charging["answer"]
            stub.answer = json.dumps(charging["answer"]).encode()
            router = run(template.functions["RouterFunction"], events.invoke("charging_find_stations", FIND))
            assert router["answer"].get("statusCode") == 200, router["answer"]
    finally:
        moto.stop()
        shutil.rmtree(keys, ignore_errors=True)
    return [
        ("raw pydantic handler (baseline)", raw),
        ("authorizer (RS256 token)", authorizer),
        ("router (charging_find_stations, invoke stubbed)", router),
        ("charging (charging_find_stations, sandbox)", charging),
    ]


def table(rows: list[tuple[str, dict[str, Any]]], title: str) -> None:
    base = rows[0][1]
    print(f"\n{title}\n")
    print("| cold start | import ms | first call ms | process ms | × raw (process) |")
    print("|---|---:|---:|---:|---:|")
    for label, r in rows:
        ratio = r["wall"] / base["wall"]
        print(f"| {label} | {r['import']:.0f} | {r['call']:.0f} | {r['wall']:.0f} | {ratio:.2f} |")
    path = sum(r["wall"] for _label, r in rows[1:])
    label = "**one tool call, cold (authorizer + router + charging)**"
    print(f"| {label} | | | {path:.0f} | {path / base['wall']:.2f} |")


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(prog="python bench/cold_path.py", description=__doc__.splitlines()[0])
    found.add_argument(
        "--build",
        type=Path,
        default=ROOT / ".aws-sam" / "host",
        help="the built functions and layer (default .aws-sam/host, make host-build's)",
    )
    found.add_argument(
        "--sdk",
        type=Path,
        default=ROOT / ".aws-sam" / "lambda-runtime",
        help="the AWS SDK the Lambda runtime provides (default .aws-sam/lambda-runtime)",
    )
    found.add_argument(
        "--python",
        default=getattr(sys, "_base_executable", sys.executable),
        help="the interpreter the functions start in (default: this one's base, outside the venv)",
    )
    found.add_argument(
        "--rounds", type=int, default=5, help="cold starts per row; the median is shown (default 5)"
    )
    found.add_argument("--label", default="", help="text added to the table's title")
    return found


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    version = subprocess.run(
        [args.python, "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    rows = measure(args.build, args.sdk.resolve(), args.python, args.rounds)
    table(
        rows,
        f"Cold path of one tool call, fresh interpreters on the built artifacts "
        f"(Python {version}, median of {args.rounds}){args.label}",
    )
    return 0


if __name__ == "__main__":
    from bench.interrupt import friendly

    sys.exit(friendly(main, "bench (cold path): interrupted; nothing was measured"))
