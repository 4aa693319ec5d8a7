"""The sample events under events/assistant/ (what `sam local invoke -e` takes) run through the handler."""

from __future__ import annotations

import copy
import json
from typing import Any

from assistant.handler import lambda_handler
from cockpit_dev.template import Template
from tests.support.events import is_problem, sample


def with_session(name: str, session_id: str) -> dict[str, Any]:
    event = copy.deepcopy(sample(f"assistant/{name}"))
    event["pathParameters"] = {"session_id": session_id}
    event["path"] = event["path"].replace("ses_0123456789abcdef01234567", session_id)
    return event


def test_the_samples_make_a_short_conversation(gateway: Template) -> None:
    created = lambda_handler(sample("assistant/create_session.json"), None)
    assert created["statusCode"] == 201, created
    sid = json.loads(created["body"])["session_id"]
    turn = lambda_handler(with_session("turn.json", sid), None)
    assert (
        turn["statusCode"] == 200
        and json.loads(turn["body"])["tool_calls"][0]["name"] == "charging_find_stations"
    )
    is_problem(lambda_handler(with_session("turn_confirm.json", sid), None), 409, "confirmation-invalid")
    view = json.loads(lambda_handler(with_session("get_session.json", sid), None)["body"])
    assert view["vehicle"]["battery_percent"] == 22 and len(view["turns"]) == 1
    assert lambda_handler(with_session("delete_session.json", sid), None)["statusCode"] == 204
    is_problem(lambda_handler(sample("assistant/get_session.json"), None), 404, "not-found")
