"""The assistant's routes as OpenAPI 3.1 (the lead merges them into docs/openapi.json), as api.md says."""

from __future__ import annotations

from openapi_spec_validator import validate

from assistant.handler import app
from cockpit_dev.openapi import document


def test_sessions_and_turns_as_api_md_fixes_them() -> None:
    doc = document([app])
    validate(doc)
    paths = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert paths == {
        ("POST", "/v1/sessions"),
        ("GET", "/v1/sessions/{session_id}"),
        ("DELETE", "/v1/sessions/{session_id}"),
        ("POST", "/v1/sessions/{session_id}/turns"),
    }
    turn = doc["paths"]["/v1/sessions/{session_id}/turns"]["post"]
    assert {"200", "404", "409", "422"} <= set(turn["responses"])
    assert turn["security"] == [{"bearerAuth": []}]
    assert "201" in doc["paths"]["/v1/sessions"]["post"]["responses"]
    assert "204" in doc["paths"]["/v1/sessions/{session_id}"]["delete"]["responses"]
    schemas = doc["components"]["schemas"]
    answer = schemas["TurnResponse"]["properties"]
    assert {"turn_id", "reply", "tool_calls", "pending_confirmation", "cards"} <= set(answer)
    assert {"text", "vehicle", "confirm", "reject"} == set(schemas["TurnRequest"]["properties"])
