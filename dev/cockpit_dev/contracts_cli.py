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
from pathlib import Path
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:3000"


def add_commands(commands: Any) -> None:
    contracts = commands.add_parser("contracts", help="register and manage partner contracts (partner token)")
    contracts.add_argument(
        "--url", default=os.environ.get("COCKPIT_URL", DEFAULT_URL), help="gateway base URL"
    )
    contracts.add_argument(
        "--token", default=os.environ.get("COCKPIT_TOKEN"), help="bearer token (COCKPIT_TOKEN)"
    )
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
    register.add_argument("--timeout-ms", type=int, default=3000)
    register.add_argument("--contract", help="add a version to this contract (PUT) instead of registering")
    register.add_argument("--dry-run", action="store_true", help="compile and check only; store nothing")
    register.set_defaults(action=_register)

    listing = sub.add_parser("list", help="your contracts")
    listing.set_defaults(action=_list)
    one = (
        ("show", _show, "one contract with its versions and tools"),
        ("retire", _retire, "retire a contract: its tools leave the catalog"),
        ("approve", _approve, "approve a contract's pending version (admin token)"),
    )
    for name, action, text in one:
        parser = sub.add_parser(name, help=text)
        parser.add_argument("contract_id")
        parser.set_defaults(action=action)


def request_body(args: argparse.Namespace, environ: dict[str, str]) -> dict[str, Any]:
    text = args.file.read_text(encoding="utf-8")
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
        return _show_answer(client.post("/v1/contracts", json=body, params=params))


def _list(args: argparse.Namespace) -> int:
    with _client(args) as client:
        return _show_answer(client.get("/v1/contracts"))


def _show(args: argparse.Namespace) -> int:
    with _client(args) as client:
        return _show_answer(client.get(f"/v1/contracts/{args.contract_id}"))


def _approve(args: argparse.Namespace) -> int:
    with _client(args) as client:
        return _show_answer(client.post(f"/v1/contracts/{args.contract_id}/approve"))


def _retire(args: argparse.Namespace) -> int:
    with _client(args) as client:
        return _show_answer(client.delete(f"/v1/contracts/{args.contract_id}"))
