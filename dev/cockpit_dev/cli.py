"""The `cockpit` developer command: run the gateway locally, print development tokens, and more."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

import httpx

from cockpit_dev import devkeys, problems
from cockpit_dev.problems import CommandError

ROLES = ("vehicle", "partner", "admin")


def _run(args: argparse.Namespace) -> int:
    from cockpit_dev import logs, runtime

    logs.configure(form=args.log_format)
    code: int = runtime.run(runtime.options_from(args))
    return code


def _token(args: argparse.Namespace) -> int:
    print(devkeys.token(args.role, args.sub, ttl=args.ttl))
    return 0


def _openapi(args: argparse.Namespace) -> int:
    from cockpit_dev.openapi import API_REFERENCES, write

    write(args.output, args.api or API_REFERENCES)
    return 0


def parser() -> argparse.ArgumentParser:
    from cockpit_dev.runtime import add_arguments

    root = argparse.ArgumentParser(
        prog="cockpit", description=__doc__, epilog="`cockpit COMMAND --help` describes each command."
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the whole gateway locally (no Docker)")
    add_arguments(run)
    run.set_defaults(action=_run)

    token = commands.add_parser("token", help="print a development token signed with the local dev key")
    token.add_argument("--role", choices=ROLES, required=True, help="what the token may do")
    token.add_argument("--sub", required=True, help="subject, e.g. vin-demo")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (default 3600)")
    token.set_defaults(action=_token)

    openapi = commands.add_parser("openapi", help="write the OpenAPI document")
    openapi.add_argument("--output", action="append", required=True, help="where to write it (repeatable)")
    openapi.add_argument(
        "--api", action="append", help="the Api object(s) to describe (default: every function's public API)"
    )
    openapi.set_defaults(action=_openapi)

    from cockpit_dev import contracts_cli, conversation

    conversation.add_commands(commands)
    contracts_cli.add_commands(commands)
    return root


def main(argv: Sequence[str] | None = None, transport: object | None = None) -> int:
    """Run one command. Expected conditions end in one line on stderr, never a traceback: an
    interrupt (130), a closed stdout such as `cockpit token | head -c1` (0), the gateway down or a
    token refused (1)."""
    try:
        args = parser().parse_args(argv)
        args.transport = transport  # an httpx transport for tests; None: the network
        action: Callable[[argparse.Namespace], int] = args.action
        code = action(args)
        sys.stdout.flush()  # here, so that a reader gone early is seen now, not at exit
        return code
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except BrokenPipeError:
        _stdout_gone()
        return 0
    except CommandError as exc:
        _say(str(exc))
        return 1
    except httpx.TransportError as exc:
        _say(str(problems.unreachable(exc)))
        return 1


def _say(text: str) -> None:
    try:
        sys.stderr.write(f"cockpit: {text}\n")
        sys.stderr.flush()
    except OSError:
        pass


def _stdout_gone() -> None:
    """Whoever read stdout has gone: drop what is still buffered for it, quietly (Python's advice)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
