"""Fault injection: the local runtime is SIGKILLed with confirmed writes in flight (payments, prepaid
bookings, charging starts with a card hold), restarted on the same AWS state (a moto server of this
test's own), and every write is retried with its Idempotency-Key and confirmation token. Each retry
answers the original outcome without a new confirmation; nothing is doubled (one payment, one capture,
exactly the units a reservation needs, one session and one EVSE per start), nothing is stuck (after
the retries and a reconciler run, nothing is processing or pending) and nothing answered is lost.

`WriteLockSeconds=3` lets a retry take over a killed attempt's key after 3 s instead of a minute, so
the suite stays short; everything else is the template's default."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from cockpit_dev import aws_endpoint, lambda_auth
from cockpit_dev.net import free_port
from tests.e2e.test_charging_journey import PEOPLES_SQUARE, TokenFactory, bearer
from tests.support.local_gateway import GatewayProcess, launch

pytestmark = pytest.mark.local_only

STACK = "crash"
PARAMETERS = {"WriteLockSeconds": "3"}
EACH = 4  # writes of each kind
STAR = "shanghai_star_charging"


@dataclass
class Write:
    kind: str  # payment, booking, charging
    token: str
    tool: str
    arguments: dict[str, Any]
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    confirmation: str = ""
    first: httpx.Response | None = None  # what the killed runtime answered, if anything
    final: httpx.Response | None = None


@pytest.fixture(scope="module")
def aws_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A moto server of this module's own (the one `cockpit run` starts: DynamoDB atomic, as AWS is): the
    AWS state both runtimes share."""
    endpoint = aws_endpoint.start_moto(free_port(), tmp_path_factory.mktemp("moto") / "moto.log", timeout=30)
    yield endpoint.port
    endpoint.stop()


def start(home: Path, logs: Path, aws_port: int) -> GatewayProcess:
    return launch(home=home, log_dir=logs, aws_port=aws_port, parameters=PARAMETERS, stack_name=STACK)


def call(http: httpx.Client, w: Write) -> httpx.Response:
    body: dict[str, Any] = {"arguments": w.arguments}
    if w.confirmation:
        body["confirmation_token"] = w.confirmation
    headers = bearer(w.token) | {"Idempotency-Key": w.key}
    return http.post(f"/v1/tools/{w.tool}/invoke", json=body, headers=headers)


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def prepare(http: httpx.Client, token: TokenFactory) -> list[Write]:
    """Twelve writes of three kinds, each asked once (the driver's question) and holding its token."""
    look = token("vehicle", f"vin-look-{uuid.uuid4().hex[:6]}")
    find = {"location": PEOPLES_SQUARE, "radius_km": 5, "available_only": True, "limit": 20}
    stations = ok(http.post("/v1/tools/charging_find_stations/invoke", json={"arguments": find},
                            headers=bearer(look)))["result"]["stations"]  # fmt: skip
    search = {"kind": "parking", "location": PEOPLES_SQUARE, "radius_km": 10, "limit": 50}
    slots = ok(http.post("/v1/tools/booking_search_availability/invoke", json={"arguments": search},
                         headers=bearer(look)))["result"]["slots"]  # fmt: skip
    prepaid = [
        s for s in slots if s["requires_prepayment"] and s["price"]["amount"] % 10_000 not in (402, 500)
    ]
    writes: list[Write] = []
    for i in range(EACH):

        def car(kind: str, i: int = i) -> str:
            return token("vehicle", f"vin-crash-{kind}-{i}-{uuid.uuid4().hex[:6]}")

        pay = {"amount": {"amount": 1000 + i, "currency": "CNY"}, "merchant": STAR, "purpose": "charging"}
        book = {"slot_id": prepaid[i]["slot_id"], "payment_method_id": "pm_card_visa"}
        charge = {"station_id": stations[i]["id"], "payment_method_id": "pm_card_visa"}
        writes.append(Write("payment", car("pay"), "payments_create_payment", pay))
        writes.append(Write("booking", car("book"), "booking_create_reservation", book))
        writes.append(Write("charging", car("charge"), "charging_start_session", charge))
    for w in writes:
        asked = ok(call(http, w))
        assert asked["status"] == "confirmation_required", asked
        w.confirmation = asked["confirmation"]["token"]
    return writes


def fire_and_kill(gateway: GatewayProcess, writes: list[Write], ddb: Any) -> None:
    """All confirmed writes at once; the runtime is SIGKILLed at the worst moment: as soon as a payment
    has been made (the driver's yes used, the money moved) but its answer has not come back."""
    gate = threading.Barrier(len(writes) + 1)

    def send(w: Write) -> None:
        with httpx.Client(base_url=gateway.api_url, timeout=30) as http:
            gate.wait()
            try:
                w.first = call(http, w)
            except httpx.HTTPError:
                w.first = None

    payments = [w for w in writes if w.kind == "payment"]
    with ThreadPoolExecutor(max_workers=len(writes)) as pool:
        futures = [pool.submit(send, w) for w in writes]
        gate.wait()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            # answers counted before the scan: one that lands while the table is read still leaves a
            # payment that was made before its answer came back
            answered = sum(1 for w in payments if w.first is not None)
            made = [i for i in table(ddb, "PaymentsTable") if i["sk"]["S"] == "PAYMENT"
                    and i["state"]["S"] == "succeeded" and STAR in i["doc"]["S"]]  # fmt: skip
            if len(made) > answered:
                break
            # every payment answered before the scan saw it (a fast machine): kill while the bookings and
            # charging starts (card holds) are still in flight
            if len(made) == len(payments) and any(w.first is None for w in writes):
                break
            time.sleep(0.01)
        gateway.process.kill()  # SIGKILL: no clean-up, no finally blocks
        gateway.process.wait(10)
        for f in futures:
            f.result()


def retry(http: httpx.Client, w: Write) -> None:
    """The same request again until it has an outcome: in-progress (409 with Retry-After) means wait."""
    deadline = time.monotonic() + 60
    while True:
        try:
            answer = call(http, w)
        except httpx.HTTPError:
            answer = None
        busy = answer is not None and (
            (answer.status_code == 409 and "in-progress" in answer.text) or answer.status_code == 429
        )
        if answer is not None and not busy:
            w.final = answer
            return
        assert time.monotonic() < deadline, f"{w.kind}: no outcome after a minute ({answer and answer.text})"
        time.sleep(min(float(answer.headers.get("Retry-After", "1")) if answer else 0.5, 2.0))


def table(client: Any, name: str) -> list[dict[str, Any]]:
    pages = client.get_paginator("scan").paginate(TableName=f"{STACK}-{name}")
    return [i for page in pages for i in page["Items"]]


def test_writes_killed_mid_flight_are_finished_once_by_their_retries(
    cockpit_home: Path, tmp_path_factory: pytest.TempPathFactory, aws_port: int, token: TokenFactory
) -> None:
    ddb = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{aws_port}", region_name="us-east-1")
    gateway = start(cockpit_home, tmp_path_factory.mktemp("crash-run-1"), aws_port)
    try:
        with httpx.Client(base_url=gateway.api_url, timeout=30) as http:
            writes = prepare(http, token)
        fire_and_kill(gateway, writes, ddb)
    finally:
        if gateway.process.poll() is None:
            gateway.process.kill()
    assert any(w.first is None for w in writes), "the kill came after every write had answered"

    again = start(cockpit_home, tmp_path_factory.mktemp("crash-run-2"), aws_port)
    try:
        with httpx.Client(base_url=again.api_url, timeout=30) as http:
            for w in writes:
                retry(http, w)
            finals = {w.key: ok(w.final) for w in writes if w.final is not None}
            for w in writes:  # the original outcome, never a new question and never a refusal of the yes
                doc = finals[w.key]
                assert doc["status"] in ("succeeded", "accepted"), (w.kind, doc)
                if w.first is not None and w.first.status_code == 200:
                    assert doc == w.first.json(), (w.kind, "the retry answered another outcome")
            for w in writes:  # charging starts complete asynchronously: follow them
                if w.kind == "charging":
                    poll = finals[w.key]["operation"]["poll"]
                    deadline = time.monotonic() + 20
                    while http.get(poll, headers=bearer(w.token)).json()["status"] == "pending":
                        assert time.monotonic() < deadline, "a start stayed pending"
                        time.sleep(0.2)
            key = lambda_auth.credential(cockpit_home)  # the runtime's own: its Lambda API refuses others
            lam = boto3.client(
                "lambda", endpoint_url=again.url.lambda_url, region_name="us-east-1",
                aws_access_key_id=key.access_key_id, aws_secret_access_key=key.secret_access_key,
            )  # fmt: skip
            ran = lam.invoke(FunctionName="ReconcilerFunction", Payload=b"{}")
            report = json.loads(ran["Payload"].read())
            assert report.get("failed") == {}, report
    finally:
        again.stop()

    check_payments(ddb, writes, finals)
    check_bookings(ddb, writes, finals)
    check_charging(ddb, writes, finals)


def check_payments(ddb: Any, writes: list[Write], finals: dict[str, dict[str, Any]]) -> None:
    items = table(ddb, "PaymentsTable")
    payments = [json.loads(i["doc"]["S"]) for i in items if i["sk"]["S"] == "PAYMENT"]
    assert not [p for p in payments if p["status"] == "processing"], "a payment is stuck in processing"
    for w in (w for w in writes if w.kind == "payment"):
        paid = finals[w.key]["result"]["payment"]
        mine = [p for p in payments if p["id"] == paid["id"]]
        assert len(mine) == 1 and mine[0]["status"] == "succeeded"
        assert mine[0]["captured"] == w.arguments["amount"]["amount"]  # charged once
        trail = [json.loads(i["doc"]["S"]) for i in items if i["pk"]["S"] == f"PAY#{paid['id']}"
                 and i["sk"]["S"].startswith("TRAIL#")]  # fmt: skip
        assert sum(t["captured_delta"] for t in trail) == w.arguments["amount"]["amount"]


def check_bookings(ddb: Any, writes: list[Write], finals: dict[str, dict[str, Any]]) -> None:
    items = table(ddb, "BookingTable")
    reservations = [json.loads(i["doc"]["S"]) for i in items if i["sk"]["S"].startswith("RES#")]
    assert not [r for r in reservations if r["status"] == "pending"], "a reservation is stuck pending"
    units = [i for i in items if i["sk"]["S"].startswith("UNIT#")]
    for w in (w for w in writes if w.kind == "booking"):
        made = finals[w.key]["result"]["reservation"]
        assert made["status"] == "confirmed" and made["payment"]["status"] == "captured"
        held = [u for u in units if u["holder"]["S"] == made["id"]]
        assert len(held) == 1, f"reservation {made['id']} holds {len(held)} units"


def check_charging(ddb: Any, writes: list[Write], finals: dict[str, dict[str, Any]]) -> None:
    items = table(ddb, "ChargingTable")
    sessions = [json.loads(i["doc"]["S"]) for i in items if i["sk"]["S"] == "SESSION"]
    assert not [s for s in sessions if s["status"] == "PENDING"], "a charging start is stuck pending"
    evses = [i for i in items if i["pk"]["S"] == "EVSE_STATE"]
    started = [w for w in writes if w.kind == "charging"]
    mine = [s for s in sessions if s["owner"] in {owner_of(w) for w in started}]
    assert len(mine) == len(started), "one session per start, no more"
    for s in mine:
        assert s["status"] == "ACTIVE" and s["payment"]["status"] == "requires_capture"
        assert sum(1 for e in evses if e["session_id"]["S"] == s["id"]) == 1


def owner_of(w: Write) -> str:
    payload = w.token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["sub"])
