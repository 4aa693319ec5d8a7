"""`cockpit contracts register|list|show|retire|approve`: the registry from the command line, over HTTP
to a running gateway with a partner token (`cockpit token --role partner --sub ...` locally; `approve`
wants an admin token).

The token comes from --token or COCKPIT_TOKEN, the gateway from --url or COCKPIT_URL; an API key for
the partner's own service is read from the environment variable named by --api-key-env, so it never
appears in shell history or process listings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx

from cockpit_dev.problems import CommandError, refused

DEFAULT_URL = "http://127.0.0.1:3000"


# What a partner runs to check a request came from the gateway: the recipe of docs/operations.md
# ("Partner calls"), printed with the signing key at registration (a test runs it on real requests).
VERIFY_SNIPPET = """\
import hashlib, hmac, time

def cockpit_signature_ok(key: str, method: str, target: str, headers: dict, body: bytes) -> bool:
    \"\"\"target: path and query exactly as on the request line; body: the raw bytes.\"\"\"
    h = {name.lower(): value for name, value in headers.items()}
    timestamp, given = h.get("x-cockpit-timestamp", ""), h.get("x-cockpit-signature", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300 or not given.startswith("v1="):
        return False
    canonical = "\\n".join(["v1", method.upper(), target, timestamp, hashlib.sha256(body).hexdigest()])
    expected = hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(given[3:], expected)
"""


def _connection_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--url and --token, accepted before the action and after it (after wins)."""
    url = os.environ.get("COCKPIT_URL", DEFAULT_URL) if top else argparse.SUPPRESS
    token = os.environ.get("COCKPIT_TOKEN") if top else argparse.SUPPRESS
    parser.add_argument("--url", default=url, help=f"gateway base URL (COCKPIT_URL; default {DEFAULT_URL})")
    parser.add_argument(
        "--token",
        default=token,
        help="bearer token (COCKPIT_TOKEN; locally: make token ROLE=partner SUB=...)",
    )


def add_commands(commands: Any) -> None:
    contracts = commands.add_parser(
        "contracts", help="register and manage partner contracts (partner token)", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    _connection_options(contracts, top=True)
    sub = contracts.add_subparsers(dest="contracts_command", required=True, metavar="ACTION")

    register = sub.add_parser("register", help="register an OpenAPI 3 document (JSON or YAML) as tools")
    register.add_argument("file", type=Path, help="the OpenAPI document")
    register.add_argument("--namespace", required=True, help="tool name prefix, e.g. acme_parking")
    register.add_argument("--base-url", required=True, help="https base URL of the service")
    register.add_argument("--display-name", help="shown to operators (default: the document's title)")
    register.add_argument(
        "--operation", action="append", dest="operations", help="operationId to offer (repeat)"
    )
    register.add_argument(
        "--confirm", action="append", default=[], help="operationId needing the driver's yes"
    )
    register.add_argument("--api-key-header", help="send an API key in this header")
    register.add_argument("--api-key-query", help="send an API key in this query parameter")
    register.add_argument("--api-key-env", default="PARTNER_API_KEY", help="variable holding the API key")
    register.add_argument(
        "--timeout-ms", type=int, default=3000, help="per-call timeout, at most 10000 (default 3000)"
    )
    register.add_argument(
        "--contract", help="publish a new version of this contract (PUT) instead of registering a new one"
    )
    register.add_argument("--dry-run", action="store_true", help="compile and check only; store nothing")
    _connection_options(register, top=False)
    register.set_defaults(action=_register)

    listing = sub.add_parser("list", help="your contracts")
    _connection_options(listing, top=False)
    listing.set_defaults(action=_list)
    one = (
        ("show", _show, "one contract with its versions and tools"),
        ("retire", _retire, "retire a contract: its tools leave the catalog"),
        ("approve", _approve, "approve a contract's pending version (admin token)"),
    )
    for name, action, text in one:
        parser = sub.add_parser(name, help=text)
        parser.add_argument("contract_id", help="the contract's id (ctr_...), as `list` shows it")
        if name == "approve":
            parser.add_argument(
                "--waive",
                action="append",
                default=[],
                metavar="OPERATION",
                help="a write operation (operationId or 'METHOD /path') the driver need not confirm; "
                "repeat for more. The approving admin takes that on; every other write asks the driver",
            )
        _connection_options(parser, top=False)
        parser.set_defaults(action=action)


def request_body(args: argparse.Namespace, environ: dict[str, str]) -> dict[str, Any]:
    text = _document(args.file)
    body: dict[str, Any] = {"namespace": args.namespace, "base_url": args.base_url, "openapi": text,
                            "display_name": args.display_name or _title(text, args.file),
                            "confirmation_required": args.confirm, "timeout_ms": args.timeout_ms}  # fmt: skip
    if args.operations:
        body["operations"] = args.operations
    where = ("header", args.api_key_header) if args.api_key_header else ("query", args.api_key_query)
    if where[1]:
        value = environ.get(args.api_key_env)
        if not value:
            raise SystemExit(f"set {args.api_key_env} to the API key the gateway should send")
        body["auth"] = {"type": "api_key", "in": where[0], "name": where[1], "value": value}
    return body


def _document(path: Path) -> str:
    """The OpenAPI document's text; a file that is not there or not text is one line (CommandError)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        reason = "it is not UTF-8 text (an OpenAPI document is JSON or YAML)"
    except OSError as exc:
        reason = exc.strerror or str(exc)
    raise CommandError(f"cannot read the OpenAPI document {path}: {reason}")


def _title(text: str, path: Path) -> str:
    import yaml

    try:
        found = (yaml.safe_load(text) or {}).get("info", {}).get("title")
    except (yaml.YAMLError, AttributeError):
        found = None
    return str(found or path.stem)[:100]


def _client(args: argparse.Namespace) -> httpx.Client:
    if not args.token:
        raise SystemExit(
            "a partner token is needed: --token or COCKPIT_TOKEN (cockpit token --role partner ...)"
        )
    headers = {"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"}
    return httpx.Client(
        base_url=args.url.rstrip("/"), headers=headers, timeout=60.0, transport=args.transport
    )


def _show_answer(answer: httpx.Response) -> int:
    if answer.status_code == 401:  # a bad or expired token: one line with how to get one, as chat says it
        raise refused(answer)
    if answer.status_code == 204:
        print(json.dumps({"status": answer.status_code}))
        return 0
    try:
        print(json.dumps(answer.json(), indent=2, ensure_ascii=False))
    except ValueError:
        print(answer.text)
    return 0 if answer.is_success else 1


def _register(args: argparse.Namespace) -> int:
    body = request_body(args, dict(os.environ))
    params = {"dry_run": "true"} if args.dry_run else None
    with _client(args) as client:
        if args.contract:
            return _show_answer(client.put(f"/v1/contracts/{args.contract}", json=body, params=params))
        answer = client.post("/v1/contracts", json=body, params=params)
        code = _show_answer(answer)
        if answer.status_code == 409:
            _hint(_taken_hint(client, args.namespace))
        elif answer.is_success and isinstance((answer.json().get("signing") or {}).get("key"), str):
            _hint(signing_notice(answer.json()))
        return code


def _hint(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")
    sys.stderr.flush()


def _taken_hint(client: httpx.Client, namespace: str) -> str:
    """A 409 on registering: the caller's own contract with that namespace gets a new version with
    --contract; a namespace someone else holds needs another name."""
    answer = client.get("/v1/contracts")
    contracts = answer.json().get("contracts", []) if answer.is_success else []
    mine = next(
        (c for c in contracts if c.get("namespace") == namespace and c.get("status") != "retired"), None
    )
    if mine is None:
        return f"namespace {namespace!r} is taken by another contract: choose another --namespace."
    return (
        f"you registered {namespace!r} already as {mine['contract_id']}: to publish a new version, run the "
        f"same command with --contract {mine['contract_id']} "
        f"(cockpit contracts register FILE --contract {mine['contract_id']} ...)."
    )


def signing_notice(answer: dict[str, Any]) -> str:
    """The signing key, said once and clearly, with the code that checks a request's signature."""
    key = answer["signing"]["key"]
    snippet = "\n".join("    " + line if line else "" for line in VERIFY_SNIPPET.splitlines())
    return (
        f"\nSigning key of {answer.get('contract_id')} (HMAC-SHA256) — shown once — store it now; "
        f"the gateway never shows it again:\n    {key}\n"
        f'Every request the gateway sends you is signed with it (docs/operations.md, "Partner calls"). '
        f"To verify one (Python):\n\n{snippet}\n"
    )


def _list(args: argparse.Namespace) -> int:
    with _client(args) as client:
        return _show_answer(client.get("/v1/contracts"))


def _show(args: argparse.Namespace) -> int:
    with _client(args) as client:
        return _show_answer(client.get(f"/v1/contracts/{args.contract_id}"))


def _approve(args: argparse.Namespace) -> int:
    with _client(args) as client:
        body = {"waive_confirmation": args.waive} if args.waive else None
        return _show_answer(client.post(f"/v1/contracts/{args.contract_id}/approve", json=body))


def _retire(args: argparse.Namespace) -> int:
    with _client(args) as client:
        return _show_answer(client.delete(f"/v1/contracts/{args.contract_id}"))
