"""Partner contracts: compiling OpenAPI documents into tools (a hand-written one, and a generated
multi-megabyte one with hundreds of operations and deep $ref graphs), and the AWS calls of a registration
and of the catalog's read side."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator

from bench.harness import Rounds, Table, in_process_aws, signed_in


def compile_times(rounds: Rounds) -> Table:
    """Median time to compile each document (ms), with its size and the number of tools made."""
    from registry.compiler.compile import Options, compile_contract
    from tests.support.openapi_docs import example, large_document

    resources, chain, padding = rounds.document
    big = json.dumps(large_document(resources=resources, chain=chain, padding=padding))
    gets, posts = min(80, resources), min(20, resources)
    chosen = [f"GetResource{i:03d}sId" for i in range(gets)] + [f"PostResource{i:03d}s" for i in range(posts)]
    cases = [
        (
            "acme-parking example (YAML, 4 operations)",
            example("acme-parking.openapi.yaml"),
            rounds.compile * 10,
            None,
            100,
        ),
        ("generated, all operations", big, rounds.compile, None, 5 * resources),
        (f"generated, {len(chosen)} operations chosen", big, rounds.compile, chosen, len(chosen)),
    ]
    rows = []
    for label, text, repeat, operations, most in cases:
        options = Options(
            namespace="bench", operations=operations, max_operations=most, max_document_bytes=4 * 1024 * 1024
        )
        samples, tools = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            tools = len(compile_contract(text, options).tools)
            samples.append((time.perf_counter() - started) * 1000)
        rows.append((label, f"{len(text) / 1e6:.2f} MB", tools, statistics.median(samples)))
    return Table(
        "Partner contracts: compiling OpenAPI documents into tools (median, ms)",
        ("document", "size", "tools", "ms"),
        rows,
        formats=("", "d", ".0f"),
    )


def aws_calls() -> Table:
    """AWS calls of one registration (development mode: published at once) and of the read side."""
    from cockpit.partners.registry import DynamoPartnerTools
    from registry.handler import lambda_handler
    from tests.support import events
    from tests.support.openapi_docs import example
    from tests.support.wiring import wire

    rows: list[tuple[str, str]] = []
    services = ("dynamodb", "s3", "secretsmanager")
    with in_process_aws("ContractsFunction", services=services, parameters={"DevelopmentMode": "true"}) as (
        made,
        calls,
    ):
        # the partner's host resolves to a public address (the registry refuses private ones)
        wire("registry", resolve=lambda _host, _port: ["93.184.215.14"])
        body = {
            "namespace": "acme_parking",
            "display_name": "ACME",
            "openapi": example("acme-parking.openapi.yaml"),
            "base_url": "https://api.acme-parking.example/v2",
            "auth": {"type": "api_key", "in": "header", "name": "X-Api-Key", "value": "k"},
        }
        event = signed_in(
            events.api(
                "POST",
                "/v1/contracts",
                body=body,
                role="partner",
                sub="p",
                headers={"Content-Type": "application/json"},
            )
        )
        answer, detail = calls.measure("contracts", lambda: lambda_handler(event, None))
        assert answer["statusCode"] == 201, answer
        rows.append(("register (4 tools, API key, auto-approved)", _plain(detail)))
        reader = DynamoPartnerTools(made.functions["ContractsFunction"].environment["CONTRACTS_TABLE"])
        for label, read in (
            ("read side: active_tools()", reader.active_tools),
            ("read side: get(name)", lambda: reader.get("acme_parking_get_spot")),
        ):
            read()  # the second read is what a warm container pays
            rows.append((label, _plain(calls.measure("router", read)[1])))
    return Table("Partner contracts: AWS calls", ("call", "AWS calls"), rows, formats=("",))


def _plain(detail: str) -> str:
    """The calls without the function's name (one function made them all)."""
    return ", ".join(part.split(":", 1)[1] if ":" in part else part for part in detail.split(", "))


def tables(rounds: Rounds) -> Iterator[Table]:
    yield compile_times(rounds)
    yield aws_calls()
