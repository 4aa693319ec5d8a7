"""`cockpit run`: the whole gateway on the loopback interface, from template.yaml, without Docker.

Start order: AWS endpoint → tables/secrets/parameters → function workers (in parallel) → seed hooks →
Lambda Invoke API → API. One ready line on stdout when everything answers; logs go to stderr.
SIGINT/SIGTERM stop everything this started and exit 0.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import FrameType

from botocore.exceptions import BotoCoreError, ClientError

from cockpit_dev import apigw, devkeys, lambda_api, lambda_auth, logs, stack
from cockpit_dev.aws_endpoint import STATE_FILE, AwsEndpoint, AwsEndpointError, ensure
from cockpit_dev.net import LOOPBACK, LoopbackServer, PortInUseError, bind, port_open
from cockpit_dev.pages import Pages
from cockpit_dev.pool import FunctionWorkers, WorkerError, WorkerPool, function_environment
from cockpit_dev.provision import provision
from cockpit_dev.reload import Watcher
from cockpit_dev.template import (
    DEFAULT_REGION,
    DEFAULT_STACK_NAME,
    Template,
    TemplateError,
    load_yaml,
    parse_template,
)

READY_PREFIX = "cockpit-gateway ready"
DEFAULT_PORT = 3000  # the API's (`make run`, `make chat`)
# How a developer picks another port when one is taken: the Makefile's variable, or the option.
CHOOSE_PORT = {
    "port": "make run API_PORT=N (and make chat API_PORT=N), or cockpit run --port N",
    "lambda_port": "make run LAMBDA_PORT=N, or cockpit run --lambda-port N",
    "aws_port": "make run AWS_PORT=N, or cockpit run --aws-port N",
}


@dataclass
class Options:
    port: int = DEFAULT_PORT
    lambda_port: int = 3001
    aws_port: int = 4566
    template: Path = Path("template.yaml")
    parameters: dict[str, str] = field(default_factory=dict)
    stack_name: str = DEFAULT_STACK_NAME
    region: str = DEFAULT_REGION
    reload: bool = True  # restart the function workers when their code changes
    fresh: bool = False  # start the moto server started here from empty state, not the saved one
    keep_state: bool = True  # a moto server started here restores and saves .cockpit/aws (not the demo's)


def _parameter(text: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator or not name:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return name, value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"API port (default {DEFAULT_PORT})")
    parser.add_argument("--lambda-port", type=int, default=3001, help="Lambda Invoke API port (default 3001)")
    parser.add_argument("--aws-port", type=int, default=4566, help="AWS endpoint port (default 4566)")
    parser.add_argument("--template", type=Path, default=Path("template.yaml"), help="SAM template")
    parser.add_argument(
        "--parameter",
        type=_parameter,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="template parameter override (repeatable), as sam deploy --parameter-overrides",
    )
    parser.add_argument("--stack-name", default=DEFAULT_STACK_NAME, help="stack name for resource names")
    parser.add_argument("--region", default=DEFAULT_REGION, help="AWS region (default us-east-1)")
    parser.add_argument(
        "--no-reload",
        dest="reload",
        action="store_false",
        help="do not restart the function workers when code under functions/ or the layer changes",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help=(
            "start with empty AWS state: the moto server started here otherwise restores what the last run "
            f"saved in .cockpit/{STATE_FILE} (the old file is kept as .previous); an endpoint already "
            "running on --aws-port keeps its own state either way"
        ),
    )
    parser.add_argument(
        "--log-format",
        choices=logs.FORMATS,
        default=os.environ.get("COCKPIT_LOG_FORMAT", "human"),
        help="console logs for people (human, the default) or as JSON lines (json; COCKPIT_LOG_FORMAT)",
    )


def options_from(args: argparse.Namespace) -> Options:
    return Options(
        port=args.port,
        lambda_port=args.lambda_port,
        aws_port=args.aws_port,
        template=args.template,
        parameters=dict(args.parameter),
        stack_name=args.stack_name,
        region=args.region,
        reload=args.reload,
        fresh=args.fresh,
    )


# The assistant's model settings, honoured from the developer's shell as `cockpit run` parameters.
LLM_ENVIRONMENT = {
    "COCKPIT_LLM_PROVIDER": "LlmProvider",
    "COCKPIT_LLM_BASE_URL": "LlmBaseUrl",
    "COCKPIT_LLM_MODEL": "LlmModel",
    "COCKPIT_LLM_API_KEY": "LlmApiKey",
}


def local_parameters(declared: Sequence[str], port: int, overrides: dict[str, str]) -> dict[str, str]:
    """Local development defaults (for the parameters the template declares), then the overrides."""
    defaults = {"DevelopmentMode": "true", "PublicBaseUrl": f"http://{LOOPBACK}:{port}"}
    defaults.update({p: os.environ[e] for e, p in LLM_ENVIRONMENT.items() if os.environ.get(e)})
    if "JwksJson" in declared and "JwksJson" not in overrides:
        defaults["JwksJson"] = json.dumps(devkeys.jwks())
    return {**{k: v for k, v in defaults.items() if k in declared}, **overrides}


class Runtime:
    """Everything `cockpit run` starts; `stop()` ends all of it (safe to call at any point)."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.template: Template | None = None
        self.aws: AwsEndpoint | None = None
        self.pool: WorkerPool | None = None
        self.servers: list[LoopbackServer] = []
        self._serving: list[LoopbackServer] = []
        self.watcher: Watcher | None = None

    def load(self, physical_ids: dict[str, str] | None = None) -> Template:
        path = self.options.template.resolve()
        document = load_yaml(path)
        declared = list((document.get("Parameters") or {}).keys())
        parameters = local_parameters(declared, self.options.port, self.options.parameters)
        template = parse_template(
            document,
            path=path,
            parameters=parameters,
            stack_name=self.options.stack_name,
            region=self.options.region,
            physical_ids=physical_ids,
        )
        problems = stack.rule_problems(document, template.parameters)  # what CloudFormation's Rules refuse
        if problems:
            raise TemplateError("the template's Rules refuse these parameters: " + "; ".join(problems))
        return template

    def start(self) -> None:
        options = self.options
        template = self.load()
        api_server = bind(options.port, BaseHTTPRequestHandler, "API", CHOOSE_PORT["port"])
        self.servers.append(api_server)
        lambda_server = bind(
            options.lambda_port, BaseHTTPRequestHandler, "Lambda Invoke API", CHOOSE_PORT["lambda_port"]
        )
        self.servers.append(lambda_server)
        home = devkeys.home()
        state_file = home / STATE_FILE if options.keep_state else None
        self.aws = ensure(
            options.aws_port, home / "moto.log", state_file, options.fresh, CHOOSE_PORT["aws_port"]
        )
        if self.aws.started_here:
            _log(f"AWS endpoint {self.aws.url} ({self.aws.kind}, started here)")
            state = self.aws.state()
            for message in state.get("messages", []):
                _log(f"AWS state: {message}")
            if not state.get("persistent"):
                self.aws.state_file = None  # another server holds the file: this one keeps nothing
        else:
            _log(
                f"AWS endpoint {self.aws.url} ({self.aws.kind}, already running): its state is its own, "
                "neither saved nor reset by cockpit"
                + (" (--fresh does not apply to it)" if options.fresh else "")
            )
        done = provision(template, self.aws.url)
        _log(f"provisioned: {len(done.created)} created, {len(done.existing)} already there")
        self.template = template = self.load(done.physical_ids)
        lambda_url = f"http://{LOOPBACK}:{options.lambda_port}"
        credential = lambda_auth.credential(devkeys.home())
        self.pool = WorkerPool(
            FunctionWorkers(
                f,
                function_environment(
                    f,
                    aws_url=self.aws.url,
                    lambda_url=lambda_url,
                    region=template.region,
                    credentials=credential.environment(),
                ),
            )
            for f in template.functions.values()
        )
        self.pool.start()
        seeded = self.pool.seed()
        if seeded:
            _log(f"seeded demo data: {', '.join(seeded)}")
        lambda_server.RequestHandlerClass = lambda_api.handler_class(
            lambda_api.LambdaApi(self.pool, credential)
        )
        api_server.RequestHandlerClass = apigw.handler_class(
            apigw.ApiGateway(template, self.pool), Pages(options.port)
        )
        for server in (lambda_server, api_server):
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
            self._serving.append(server)
        for port in (options.lambda_port, options.port):
            if not port_open(port, timeout=5):
                raise PortInUseError(f"{LOOPBACK}:{port} does not answer")
        if options.reload:
            self.watcher = Watcher([*self._code_folders(template), *DEV_FILES], self._code_changed)
            self.watcher.start()

    def _code_folders(self, template: Template) -> set[Path]:
        return {path for f in template.functions.values() for path in (f.code_uri, *f.layers)}

    def _code_changed(self, paths: list[Path]) -> None:
        """Functions and layers: restart the workers. The runtime itself: say that it needs a restart."""
        runtime_files = [p for p in paths if p.parent == DEV_PACKAGE and p != DEV_PACKAGE / "worker.py"]
        if runtime_files:
            names = ", ".join(_relative(p) for p in runtime_files)
            _log(f"{names} changed: stop (Ctrl-C) and `make run` again to use it")
        if len(runtime_files) < len(paths) and self.pool is not None:
            shown = ", ".join(_relative(p) for p in paths[:3]) + (" …" if len(paths) > 3 else "")
            _log(f"code changed ({shown}): restarting the function workers")
            self.pool.recycle()

    def ready_line(self) -> str:
        assert self.aws is not None
        assert self.template is not None
        api = f"http://{LOOPBACK}:{self.options.port}"
        if not self.aws.started_here:
            kept = "not started here, state not kept"
        elif self.aws.state_file is None:
            kept = "state not kept"
        else:
            kept = f"state kept in {_relative(self.aws.state_file)}"
        line = (
            f"{READY_PREFIX} api={api} lambda=http://{LOOPBACK}:{self.options.lambda_port} "
            f"aws={self.aws.url} ({self.aws.kind}, {kept})"
        )
        hint = self._try_hint(api)
        return f"{line} | try: {hint}" if hint else line

    def _try_hint(self, api: str) -> str | None:
        """A curl command for a GET route of the template (preferring one behind the authorizer)."""
        gets = (
            [route for route in self.template.routes if route.method in ("GET", "ANY")]
            if self.template
            else []
        )
        gets.sort(key=lambda route: (route.authorizer is None, "{" in route.path))
        if not gets:
            return None
        route = gets[0]
        if route.authorizer is None:
            return f"curl {api}{route.path}"
        auth = f'-H "Authorization: Bearer $({cockpit_command()} token --role vehicle --sub vin-demo)" '
        return f"curl {auth}{api}{route.path} (more tokens: make token)"

    def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
        for server in reversed(self._serving):
            server.shutdown()  # waits for serve_forever to return: only for servers that serve
        for server in self.servers:
            server.server_close()
        self._serving.clear()
        self.servers.clear()
        if self.pool is not None:
            self.pool.stop()
            self.pool = None
        if self.aws is not None:
            self.aws.stop()
            self.aws = None


DEV_PACKAGE = Path(__file__).resolve().parent
# The development package's files a change in which matters while running: the worker (restarted
# with the functions) and the runtime's own modules (need a restart, which the runtime says).
DEV_FILES = (DEV_PACKAGE,)


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def cockpit_command() -> str:
    """How to call `cockpit` from the working directory: it is not on PATH unless the venv is active,
    so the venv's script (relative when it is below the working directory)."""
    script = Path(sys.executable).parent / "cockpit"
    if not script.exists():
        return f"{sys.executable} -m cockpit_dev.cli"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def gateway_hints(port: int) -> list[str]:
    """What a person can open and run against the gateway on `port` (the pages, the chat)."""
    api = f"http://{LOOPBACK}:{port}"
    make_chat = "make chat" if port == DEFAULT_PORT else f"make chat API_PORT={port}"
    return [
        f"see it: {api}/ (head unit), {api}/console/ (partner console), {api}/v1/docs (API reference)",
        f"talk to the assistant: {make_chat} (or {cockpit_command()} chat --url {api}); watch one: make demo",
    ]


class _Interrupted(Exception):
    pass


def _log(message: str) -> None:
    logs.emit("cockpit", message)


STARTUP_ERRORS = (
    PortInUseError,
    AwsEndpointError,
    WorkerError,
    TemplateError,
    ClientError,
    BotoCoreError,
    OSError,
)


def run(options: Options) -> int:
    """Run until SIGINT/SIGTERM; 0 after a clean stop, 1 if it could not start."""
    signals: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        # Raise in the main thread (never touch locks here: the handler may interrupt their owner).
        if not signals:
            signals.append(signum)
            raise _Interrupted

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    runtime = Runtime(options)
    try:
        runtime.start()
        sys.stdout.write(runtime.ready_line() + "\n")
        sys.stdout.flush()
        if runtime.template and any(r.path == "/v1/sessions" for r in runtime.template.routes):
            for line in gateway_hints(options.port):
                _log(line)
        while True:
            time.sleep(3600)
    except _Interrupted:
        _log("stopping")
        return 0
    except STARTUP_ERRORS as exc:
        sys.stderr.write(f"cockpit run: error: {exc}\n")
        return 1
    finally:
        signals.append(0)  # a signal during the clean-up no longer interrupts it
        runtime.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_command(argv: Sequence[str] | None = None) -> int:
    """`cockpit run [options]` (argv without the subcommand)."""
    parser = argparse.ArgumentParser(prog="cockpit run", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    logs.configure(form=args.log_format)
    return run(options_from(args))
