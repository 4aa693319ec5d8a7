"""Routes only: sessions and conversation turns (api.md). Errors are mapped once, in cockpit.api."""

from __future__ import annotations

from typing import Any

from assistant.models import CreateSession, SessionCreated, SessionView, TurnRequest, TurnResponse
from assistant.wiring import service
from cockpit.api import Api, Request, Response
from cockpit.tools.model import Role

app = Api("Cockpit Gateway assistant")
VEHICLE = frozenset({Role.VEHICLE})
SESSION_PROBLEMS = (401, 403, 404)
TURN_PROBLEMS = (400, 401, 403, 404, 409, 413, 415, 422)


@app.route("POST", "/v1/sessions", summary="Start a conversation session", request=CreateSession,
           response=SessionCreated, status=201, roles=VEHICLE, problems=(400, 401, 403, 413, 415, 422),
           body_required=False, tags=("assistant",))  # fmt: skip
def create_session(req: Request) -> SessionCreated:
    return service().create(req.caller, req.parse(CreateSession))


@app.route("GET", "/v1/sessions/{session_id}", summary="A session with its turns", response=SessionView,
           roles=VEHICLE, problems=SESSION_PROBLEMS, tags=("assistant",))  # fmt: skip
def get_session(req: Request) -> SessionView:
    return service().view(req.caller, req.path_param("session_id"))


@app.route("DELETE", "/v1/sessions/{session_id}", summary="Erase a session and its turns", status=204,
           roles=VEHICLE, problems=SESSION_PROBLEMS, tags=("assistant",))  # fmt: skip
def delete_session(req: Request) -> Response:
    service().delete(req.caller, req.path_param("session_id"))
    return Response(status=204)


@app.route("POST", "/v1/sessions/{session_id}/turns", summary="Say something to the assistant",
           request=TurnRequest, response=TurnResponse, roles=VEHICLE, problems=TURN_PROBLEMS,
           tags=("assistant",))  # fmt: skip
def take_turn(req: Request) -> TurnResponse:
    body = req.parse(TurnRequest)
    return service().turn(req.caller, req.path_param("session_id"), body, req.request_id or None)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app(event, context)
