"""Issue 14 keeps "one read and one write of the session per turn (tools aside)": every DynamoDB call a
turn makes on the sessions table is counted through a botocore hook on the container's AWS session (the
one every client of the gateway is made from), over real dispatch to the charging function in moto."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from cockpit import aws
from cockpit_dev.template import Template
from tests.functional.assistant.conftest import new_session, ok, turn


@pytest.fixture
def session_calls(gateway: Template) -> Iterator[Counter[str]]:
    table = gateway.tables["SessionsTable"].name
    seen: Counter[str] = Counter()

    def count(model: Any, params: dict[str, Any], **_: Any) -> None:
        names = {params.get("TableName")} | set(params.get("RequestItems") or {})
        for item in params.get("TransactItems") or []:
            names |= {op.get("TableName") for op in item.values()}
        if table in names:
            seen[model.name] += 1

    events = aws.session().events
    events.register("before-parameter-build.dynamodb", count)  # before sending: retries are not calls
    try:
        yield seen
    finally:
        events.unregister("before-parameter-build.dynamodb", count)


def _one_turn(seen: Counter[str], sid: str, **body: Any) -> dict[str, Any]:
    seen.clear()
    answer = ok(turn(sid, **body))
    assert seen == Counter({"GetItem": 1, "TransactWriteItems": 1}), (body, dict(seen))
    return answer


def test_each_turn_reads_the_session_once_and_writes_it_once(session_calls: Counter[str]) -> None:
    sid = new_session()
    assert session_calls == Counter({"PutItem": 1})  # the hook sees the gateway's client
    found = _one_turn(session_calls, sid, text="find a fast charger")  # a search: tools aside
    assert found["tool_calls"][0]["name"] == "charging_find_stations"
    asked = _one_turn(session_calls, sid, text="start charging at the first one")  # a question
    assert asked["pending_confirmation"]["tool"] == "charging_start_session"
    again = _one_turn(session_calls, sid, text="how much is it?")  # asked again from the summary
    assert again["pending_confirmation"] is not None
    done = _one_turn(session_calls, sid, text="yes")  # performed by the yes
    assert done["tool_calls"][0]["status"] == "accepted"
    _one_turn(session_calls, sid, text="yes")  # nothing pending
    _one_turn(session_calls, sid, text="hi", vehicle={"location": {"lat": 31.23, "lon": 121.47}})
    _one_turn(session_calls, sid, text="stop charging")
    asked = _one_turn(session_calls, sid, text="start charging at the first one")
    token = asked["pending_confirmation"]["token"]
    _one_turn(session_calls, sid, reject=token)  # a rejected question: dropped, its token revoked


def test_a_refused_turn_reads_once_and_writes_nothing(session_calls: Counter[str]) -> None:
    sid = new_session()
    session_calls.clear()
    stale = turn(sid, confirm="ct_" + "0" * 40)
    assert stale["statusCode"] == 409
    assert session_calls == Counter({"GetItem": 1})
