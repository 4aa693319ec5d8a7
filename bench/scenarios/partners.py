"""Partner tools: a call through the router (validation, secrets, signing, the SSRF-pinned transport,
output schema) against a direct keep-alive httpx GET of the same resource on a local partner server; and
a partner `pattern` (RE2) against a 30-character hostile argument vs benign ones."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

from bench.harness import Rounds, Table, in_process_aws, router_call, signed_in, timing

GATEWAY = "router → partner (read tool)"


class _Forget:
    def __init__(self, forget: Callable[[], None]) -> None:
        self.close = forget


def overhead(rounds: Rounds) -> Table:
    import boto3
    import httpx

    from cockpit.settings import drop_per_container
    from tests.support import events
    from tests.support.partner_server import PartnerServer
    from tests.support.partners import SIGNING_KEY, FakePartnerToolSource, parking_tools
    from tests.support.wiring import wire

    with (
        PartnerServer() as server,
        in_process_aws("RouterFunction", "ChargingFunction", parameters={"DevelopmentMode": "true"}),
        contextlib.closing(_Forget(drop_per_container)),  # the next scenario builds its own dispatcher
        httpx.Client() as direct,
    ):
        made = boto3.client("secretsmanager").create_secret(
            Name="bench/partners/signing", SecretString=json.dumps({"key": SIGNING_KEY})
        )
        source = FakePartnerToolSource(parking_tools(server.base_url, signing_arn=made["ARN"]))
        drop_per_container()
        wire("cockpit.dispatch", partner_source=source)  # the dispatcher is built again, reading this source
        call = router_call(signed_in(events.invoke("acme_parking_get_spot", {"spot_id": "spot-renmin-1"})))
        url = server.base_url + "/spots/spot-renmin-1"

        def through_gateway() -> Any:
            out = call()
            assert out["statusCode"] == 200, out
            server.received.clear()
            return out

        def straight() -> Any:
            answer = direct.get(url)
            server.received.clear()
            return answer.json()

        table = timing(
            f"Partner call overhead: local partner server over HTTP ({rounds.partner} calls each, µs)",
            [("direct httpx GET", straight), (GATEWAY, through_gateway)],
            rounds.partner,
            rounds.warmup,
            head="call",
            against="direct",
        )
    cost = table.rows[1][1] - table.rows[0][1]
    table.notes.append(f"Gateway cost per partner call: {cost:.0f} µs at the median")
    return table


def pattern_validation(rounds: Rounds) -> Table:
    """A partner argument with `pattern: ^(a+)+$` (exponential on a backtracking engine), validated by the
    partner catalog: a 30-character hostile string against benign ones of the same length."""
    from cockpit.partners.catalog import PartnerCatalog
    from cockpit.tools.catalog import first_party
    from tests.support.partners import FakePartnerToolSource, parking_tools

    (tool, *_) = parking_tools("https://api.acme-parking.example/v2", signing_arn="sign")
    schema = {"type": "object", "properties": {"s": {"type": "string", "pattern": "^(a+)+$"}}}
    spec = tool.spec.model_copy(update={"input_schema": schema})
    catalog = PartnerCatalog(first_party(), FakePartnerToolSource([tool.model_copy(update={"spec": spec})]))
    resolved = catalog.resolve(spec.name, None)

    def check(text: str) -> Callable[[], Any]:
        def call() -> Any:
            with contextlib.suppress(Exception):  # the refusal (422) is the measured work
                resolved.check_arguments({"s": text})

        return call

    return timing(
        f"Partner pattern validation, RE2 (`^(a+)+$`, {rounds.partner} calls each, µs)",
        [
            ("benign, valid: 30 × 'a'", check("a" * 30)),
            ("benign, invalid: 30 × 'b'", check("b" * 30)),
            ("hostile: 30 × 'a' + '!'", check("a" * 30 + "!")),
        ],
        rounds.partner,
        rounds.warmup,
        head="argument",
        against="benign valid",
    )


def tables(rounds: Rounds) -> Iterator[Table]:
    yield overhead(rounds)
    yield pattern_validation(rounds)
