"""The gateway with the OCPI provider: router → charging → a real OCPI test CPO over HTTP; the CPO's
CommandResult callback comes back through the charging function's callback route."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from charging.handler import lambda_handler as charging
from cockpit import reconcile
from cockpit.partners.signing import pseudonym
from cockpit.tools.model import ToolInvocation
from cockpit_dev.template import Template
from router.handler import lambda_handler as router
from tests.support import events as ev
from tests.support.aws import aws_from_template, snapshot
from tests.support.ocpi_cpo import CPO_TOKEN, EMSP_TOKEN, OcpiTestCpo

PUBLIC = "http://127.0.0.1:3999"


@pytest.fixture
def cpo() -> Iterator[OcpiTestCpo]:
    with OcpiTestCpo(callback_result=None, stall_s=1.5) as server:
        yield server


def ocpi_parameters(cpo: OcpiTestCpo) -> dict[str, str]:
    """The stack's parameters for charging at this test CPO (development mode, short timeouts)."""
    return {
        "ChargingProvider": "ocpi",
        "OcpiVersionUrl": cpo.version_url,
        "DevelopmentMode": "true",
        "PublicBaseUrl": PUBLIC,
        "OcpiTimeoutSeconds": "0.5",
    }


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch, cpo: OcpiTestCpo) -> Iterator[Template]:
    params = ocpi_parameters(cpo)
    with aws_from_template(monkeypatch, "RouterFunction", "ChargingFunction", parameters=params) as template:
        secret = template.secrets["OcpiCredentialsSecret"]
        boto3.client("secretsmanager").put_secret_value(
            SecretId=secret.name, SecretString=json.dumps({"emsp_token": EMSP_TOKEN, "cpo_token": CPO_TOKEN})
        )
        yield template


def keyed_pseudonym(template: Template, cpo: OcpiTestCpo, sub: str) -> str:
    """What the CPO must see: an HMAC under the gateway's secret key, per CPO (not a plain hash of the
    vehicle id, which the CPO could recompute from any vehicle id it learns)."""
    secret = template.secrets["PartnerSubjectSecret"].name
    key = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"])["key"]
    origin = cpo.version_url.split("/", 3)[:3]
    return pseudonym(key.encode(), "cpo:" + "/".join(origin), sub)


def call(tool: str, arguments: Any, **kw: Any) -> dict[str, Any]:
    return router(ev.invoke(tool, arguments, **kw), None)


def start(station: str = "CN-SHA-0001", key: str = "k1") -> dict[str, Any]:
    asked = ev.body(call("charging_start_session", {"station_id": station}, key=key))
    return call(
        "charging_start_session",
        {"station_id": station},
        key=key,
        body={"confirmation_token": asked["confirmation"]["token"]},
    )


def operation(op_id: str) -> dict[str, Any]:
    return ev.body(
        router(ev.api("GET", "/v1/operations/{operation_id}", path_params={"operation_id": op_id}), None)
    )


def callback(
    command: str, uid: str, body: Any, token: str = EMSP_TOKEN, raw: str | None = None
) -> dict[str, Any]:
    event = json.loads(json.dumps(ev.sample("charging/ocpi_command_result.json")))
    event["pathParameters"] = {"command": command, "uid": uid}
    event["path"] = f"/ocpi/emsp/2.2.1/commands/{command}/{uid}"
    event["headers"]["Authorization"] = "Token " + base64.b64encode(token.encode()).decode()
    event["body"] = raw if raw is not None else json.dumps(body)
    return charging(event, None)  # type: ignore[no-any-return]


def test_stations_come_from_the_cpo(gateway: Template, cpo: OcpiTestCpo) -> None:
    doc = ev.body(
        call("charging_find_stations", {"location": {"lat": 31.2304, "lon": 121.4737}, "radius_km": 5})
    )
    assert "CN-SHA-0001" in [s["id"] for s in doc["result"]["stations"]]
    assert (
        cpo.requests_to("locations")[0].headers["authorization"]
        == "Token " + base64.b64encode(CPO_TOKEN.encode()).decode()
    )


def test_start_stays_pending_until_the_cpo_calls_back(gateway: Template, cpo: OcpiTestCpo) -> None:
    accepted = ev.body(start())
    op_id = accepted["operation"]["id"]
    assert operation(op_id)["status"] == "pending"
    (command,) = [r for r in cpo.requests_to("commands")]
    sent = command.body
    session_id = sent["authorization_reference"]
    assert sent["response_url"] == f"{PUBLIC}/ocpi/emsp/2.2.1/commands/START_SESSION/{session_id}"
    assert sent["token"]["uid"] == keyed_pseudonym(gateway, cpo, "vin-test-1")
    assert "vin-test-1" not in json.dumps(sent) and len(sent["token"]["uid"]) <= 36  # OCPI CiString(36)

    ack = callback("START_SESSION", session_id, {"result": "ACCEPTED"})
    assert ack["statusCode"] == 200 and ev.body(ack)["status_code"] == 1000
    done = operation(op_id)
    assert done["status"] == "succeeded" and done["result"]["session"]["status"] == "ACTIVE"
    ev.is_problem(callback("START_SESSION", session_id, {"result": "ACCEPTED"}), 409)  # a second result

    stopping = ev.body(call("charging_stop_session", {"session_id": session_id}, key="k2"))["result"]
    assert stopping["session"]["status"] == "STOPPING"  # the CPO confirms the stop later, at response_url
    assert callback("STOP_SESSION", session_id, {"result": "ACCEPTED"})["statusCode"] == 200
    stopped = ev.body(call("charging_get_session", {"session_id": session_id}))["result"]["session"]
    assert stopped["status"] == "COMPLETED" and stopped["kwh"] == pytest.approx(12.345)
    assert stopped["cost"]["currency"] == "CNY" and stopped["cost"]["amount"] > 0
    ev.is_problem(callback("STOP_SESSION", session_id, {"result": "ACCEPTED"}), 409)  # a second result


def test_a_failed_command_result_fails_the_operation(gateway: Template) -> None:
    op_id = ev.body(start())["operation"]["id"]
    session_id = "cs_" + op_id.removeprefix("op_")
    callback("START_SESSION", session_id, {"result": "EVSE_OCCUPIED", "message": "cable in use"})
    failed = operation(op_id)
    assert failed["status"] == "failed"
    assert failed["error"]["status"] == 409 and "cable in use" in failed["error"]["detail"]


def started() -> str:
    """A session the CPO has started (its START result delivered), by id."""
    op_id = ev.body(start())["operation"]["id"]
    session_id = "cs_" + op_id.removeprefix("op_")
    callback("START_SESSION", session_id, {"result": "ACCEPTED"})
    return session_id


def test_a_failed_stop_leaves_the_session_active(gateway: Template) -> None:
    session_id = started()
    call("charging_stop_session", {"session_id": session_id}, key="k2")
    callback("STOP_SESSION", session_id, {"result": "FAILED", "message": "cable locked"})
    session = ev.body(call("charging_get_session", {"session_id": session_id}))["result"]["session"]
    assert session["status"] == "ACTIVE"  # still charging: the driver can try again
    again = ev.body(call("charging_stop_session", {"session_id": session_id}, key="k3"))
    assert again["result"]["session"]["status"] == "STOPPING"


def test_a_session_the_cpo_never_opened_stops_with_nothing_used(gateway: Template, cpo: OcpiTestCpo) -> None:
    session_id = started()
    cpo.sessions.clear()  # the car was never plugged in: the CPO has no session for our reference
    stopped = ev.body(call("charging_stop_session", {"session_id": session_id}, key="k2"))["result"][
        "session"
    ]
    assert stopped["status"] == "COMPLETED" and stopped["kwh"] == 0


class TestBadCallbacks:
    @pytest.fixture
    def pending(self, gateway: Template) -> Iterator[str]:
        op_id = ev.body(start())["operation"]["id"]
        before = snapshot(gateway)
        yield "cs_" + op_id.removeprefix("op_")
        assert snapshot(gateway) == before

    def test_wrong_token(self, pending: str) -> None:
        ev.is_problem(callback("START_SESSION", pending, {"result": "ACCEPTED"}, token="guess"), 401)

    def test_unknown_command(self, pending: str) -> None:
        ev.is_problem(callback("START_SESSION", "cs_" + "f" * 24, {"result": "ACCEPTED"}), 404)
        ev.is_problem(callback("UNLOCK_CONNECTOR", pending, {"result": "ACCEPTED"}), 404)

    def test_invalid_body(self, pending: str) -> None:
        doc = ev.is_problem(callback("START_SESSION", pending, {"result": "MAYBE"}), 422)
        assert doc["errors"][0]["pointer"] == "/result"
        ev.is_problem(callback("START_SESSION", pending, None, raw="{not json"), 400)


@pytest.mark.parametrize(("mode", "status"), [("error500", 502), ("garbage", 502), ("bad_envelope", 502)])
def test_cpo_faults_on_start_leave_nothing_half_written(
    gateway: Template, cpo: OcpiTestCpo, mode: str, status: int
) -> None:
    call("charging_find_stations", {"location": {"lat": 31.2304, "lon": 121.4737}})  # warm the location cache
    asked = ev.body(call("charging_start_session", {"station_id": "CN-SHA-0001"}, key="k1"))
    before = snapshot(gateway)
    cpo.mode = mode
    out = call(
        "charging_start_session",
        {"station_id": "CN-SHA-0001"},
        key="k1",
        body={"confirmation_token": asked["confirmation"]["token"]},
    )
    ev.is_problem(out, status)
    after = snapshot(gateway)
    idem = next(name for name in after if "Idempotency" in name)
    assert {k: v for k, v in after.items() if k != idem} == {k: v for k, v in before.items() if k != idem}
    # No session, no operation, the key released; the confirmation is spent, since nobody knows what the
    # CPO did with the command: the driver is asked again.
    assert len(before[idem]) == 1 and after[idem] == []
    cpo.mode = "ok"
    reused = call(
        "charging_start_session",
        {"station_id": "CN-SHA-0001"},
        key="k1",
        body={"confirmation_token": asked["confirmation"]["token"]},
    )
    ev.is_problem(reused, 409, "confirmation-invalid")


@pytest.mark.parametrize(("mode", "outcome"), [("timeout", "FAILED"), ("lost_answer", "ACTIVE")])
def test_a_start_without_an_answer_stays_pending_until_the_cpo_says(
    gateway: Template, cpo: OcpiTestCpo, mode: str, outcome: str
) -> None:
    """No answer to START_SESSION: the CPO may have started. The driver hears 504 and the session stays
    pending (nothing is forgotten that the CPO may be running); the reconciler asks the CPO's Sessions
    module later: found → ACTIVE, none → FAILED. The confirmation is spent either way."""
    call("charging_find_stations", {"location": {"lat": 31.2304, "lon": 121.4737}})  # warm the location cache
    asked = ev.body(call("charging_start_session", {"station_id": "CN-SHA-0001"}, key="k1"))
    cpo.mode = mode
    out = call(
        "charging_start_session",
        {"station_id": "CN-SHA-0001"},
        key="k1",
        body={"confirmation_token": asked["confirmation"]["token"]},
    )
    ev.is_problem(out, 504)
    sessions = [i for i in scan(gateway, "ChargingTable") if i["sk"]["S"] == "SESSION"]
    assert [i["state"]["S"] for i in sessions] == ["PENDING"]
    cpo.mode = "ok"
    answer = charging(reconcile_event(), None)  # the reconciler's deadline, passed
    assert answer["status"] == "succeeded", answer
    (settled,) = answer["result"]["settled"]
    assert settled["now"].startswith(outcome)
    states = [i["state"]["S"] for i in scan(gateway, "ChargingTable") if i["sk"]["S"] == "SESSION"]
    assert states == [outcome]


def reconcile_event() -> dict[str, Any]:
    """The reconciler's command, as cockpit.internal sends it."""
    return ToolInvocation(
        kind="command",
        invocation_id="r-1",
        tool=reconcile.COMMAND,
        arguments=reconcile.ReconcileRequest(older_than_s=0).model_dump(),
        caller=reconcile.RECONCILER,
    ).model_dump(mode="json")


def scan(gateway: Template, logical: str) -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName=gateway.tables[logical].name)["Items"]


@pytest.mark.parametrize(("mode", "status"), [("timeout", 504), ("error500", 502), ("garbage", 502)])
def test_cpo_faults_on_search(gateway: Template, cpo: OcpiTestCpo, mode: str, status: int) -> None:
    cpo.mode = mode
    ev.is_problem(call("charging_find_stations", {"location": {"lat": 31.2304, "lon": 121.4737}}), status)
