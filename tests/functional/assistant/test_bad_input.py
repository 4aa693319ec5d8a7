"""Every bad input of the sessions API: its own problem document, and nothing written."""

from __future__ import annotations

import pytest

from cockpit_dev.template import Template
from tests.functional.assistant.conftest import call, new_session, ok, turn
from tests.support.aws import snapshot
from tests.support.events import is_problem
from tests.support.wiring import wire

UNKNOWN = "ses_" + "0" * 24


def test_empty_text_is_422_and_writes_nothing(gateway: Template) -> None:
    sid = new_session()
    before = snapshot(gateway)
    doc = is_problem(turn(sid, text="   "), 422, "validation-failed")
    assert doc["errors"][0]["pointer"] == "/text"
    assert snapshot(gateway) == before


def test_ten_thousand_characters_is_422_and_writes_nothing(gateway: Template) -> None:
    sid = new_session()
    before = snapshot(gateway)
    doc = is_problem(turn(sid, text="x" * 10_000), 422, "validation-failed")
    assert doc["errors"][0]["pointer"] == "/text"
    assert snapshot(gateway) == before


@pytest.mark.parametrize("session_id", [UNKNOWN, "not-a-session", "ses_" + "a" * 300])
def test_unknown_session_is_404_everywhere(gateway: Template, session_id: str) -> None:
    before = snapshot(gateway)
    params = {"session_id": session_id}
    is_problem(turn(session_id, text="hello"), 404, "not-found")
    is_problem(call("GET", "/v1/sessions/{session_id}", path_params=params), 404, "not-found")
    is_problem(call("DELETE", "/v1/sessions/{session_id}", path_params=params), 404, "not-found")
    assert snapshot(gateway) == before


def test_another_vehicles_session_is_404_and_untouched(gateway: Template) -> None:
    sid = new_session(sub="vin-owner")
    ok(turn(sid, sub="vin-owner", text="find a charger"))
    before = snapshot(gateway)
    params = {"session_id": sid}
    is_problem(turn(sid, sub="vin-intruder", text="find a charger"), 404, "not-found")
    is_problem(call("GET", "/v1/sessions/{session_id}", path_params=params, sub="vin-intruder"), 404)
    is_problem(call("DELETE", "/v1/sessions/{session_id}", path_params=params, sub="vin-intruder"), 404)
    assert snapshot(gateway) == before


def test_a_stale_confirm_token_is_409_and_performs_nothing(gateway: Template) -> None:
    sid = new_session()
    ok(turn(sid, text="find a charger"))
    first = ok(turn(sid, text="start charging at the first one"))["pending_confirmation"]["token"]
    ok(turn(sid, text="no"))
    second = ok(turn(sid, text="start charging at the second one"))["pending_confirmation"]["token"]
    before = snapshot(gateway)
    doc = is_problem(turn(sid, confirm=first), 409, "confirmation-invalid")
    assert doc["errors"][0]["pointer"] == "/confirm"
    is_problem(turn(sid, reject="ct_made_up"), 409, "confirmation-invalid")
    assert snapshot(gateway) == before
    view = ok(call("GET", "/v1/sessions/{session_id}", path_params={"session_id": sid}))
    assert view["pending_confirmation"]["token"] == second


def test_confirm_without_anything_pending_is_409(gateway: Template) -> None:
    sid = new_session()
    before = snapshot(gateway)
    is_problem(turn(sid, confirm="ct_whatever"), 409, "confirmation-invalid")
    assert snapshot(gateway) == before


def test_confirm_and_reject_together_is_422(gateway: Template) -> None:
    sid = new_session()
    before = snapshot(gateway)
    doc = is_problem(turn(sid, confirm="ct_a", reject="ct_a"), 422, "validation-failed")
    assert doc["errors"][0]["pointer"] == "/reject"
    assert snapshot(gateway) == before


def test_bad_session_bodies(gateway: Template) -> None:
    before = snapshot(gateway)
    doc = is_problem(call("POST", "/v1/sessions", body={"locale": "fr-FR"}), 422)
    assert doc["errors"][0]["pointer"] == "/locale"
    doc = is_problem(call("POST", "/v1/sessions", body={"vehicle": {"location": {"lat": 91, "lon": 0}}}), 422)
    assert doc["errors"][0]["pointer"] == "/vehicle/location/lat"
    is_problem(call("POST", "/v1/sessions", body={"agent": "butler"}), 422)
    is_problem(call("POST", "/v1/sessions", raw_body="{"), 400, "malformed-json")
    is_problem(call("POST", "/v1/sessions", body={}, role="partner"), 403, "forbidden")
    assert snapshot(gateway) == before


def test_the_deployed_key_comes_from_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant import wiring
    from assistant.settings import AssistantSettings
    from cockpit.settings import get_settings
    from tests.support.aws import aws_from_template

    params = {"LlmProvider": "qwen", "LlmApiKey": "sk-from-the-secret"}
    with aws_from_template(monkeypatch, "AssistantFunction", parameters=params):
        s = get_settings(AssistantSettings)
        assert s.llm_provider == "qwen" and s.llm_api_key == "" and s.llm_api_key_secret_arn
        assert wiring.api_key(s) == "sk-from-the-secret"


def test_a_turn_that_lost_the_race_is_409_and_writes_nothing(
    gateway: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another turn lands while this one waits for the model: this one answers 409 session-busy."""
    from assistant.ports import ModelReply, ModelRequest

    class Interrupted:
        provider = "scripted"
        inside = False

        def complete(self, request: ModelRequest) -> ModelReply:
            if not self.inside and request.utterance == "outer":
                self.inside = True
                ok(turn(sid, text="inner"))  # the other turn, saved first
            return ModelReply(text=f"heard {request.utterance}")

    wire("assistant", model=Interrupted())
    sid = new_session()
    doc = is_problem(turn(sid, text="outer"), 409, "session-busy")
    assert "send this turn again" in doc["detail"]
    view = ok(call("GET", "/v1/sessions/{session_id}", path_params={"session_id": sid}))
    assert [t["text"] for t in view["turns"]] == ["inner"]
    items = snapshot(gateway)[gateway.tables["SessionsTable"].name]
    assert sorted(i["sk"]["S"] for i in items) == ["SESSION", "TURN#000001"]  # the loser wrote nothing
    assert ok(turn(sid, text="outer"))["reply"] == "heard outer"  # a retry lands
