"""Routes only: the partner contracts registry (api.md "Partner contracts"); errors mapped in cockpit.api."""

from __future__ import annotations

from typing import Any

from cockpit.api import FLAG_SCHEMA, Api, Request, Response
from cockpit.tools.model import Role
from registry import models as m
from registry.wiring import max_body_bytes, service

app = Api("Cockpit Gateway partner contracts")
PARTNER, ADMIN = frozenset({Role.PARTNER}), frozenset({Role.ADMIN})
READERS = PARTNER | ADMIN
WRITE_PROBLEMS = (400, 401, 403, 404, 409, 413, 415, 422)
DRY_RUN_OK = {200: "dry_run: compiled and checked, nothing stored"}
DRY_RUN = {"dry_run": "true: compile and check everything, store nothing (the partner's preflight)"}
FLAG = {"dry_run": FLAG_SCHEMA}
ITEM = "/v1/contracts/{contract_id}"


@app.route("POST", "/v1/contracts", summary="Register a partner service from its OpenAPI document",
           request=m.ContractRequest, response=m.Registered, status=201, also=DRY_RUN_OK, roles=PARTNER,
           problems=WRITE_PROBLEMS, query=DRY_RUN, schemas=FLAG, exclude_none=True,
           tags=("contracts",))  # fmt: skip
def register_contract(req: Request) -> Response:
    preflight = req.flag("dry_run")
    body = req.parse(m.ContractRequest, max_bytes=max_body_bytes())
    return Response(200 if preflight else 201, service().register(req.caller, body, dry_run=preflight))


@app.route("GET", "/v1/contracts", summary="List contracts (a partner's own; all for an admin)",
           response=m.ContractList, roles=READERS, problems=(401, 403), tags=("contracts",))  # fmt: skip
def list_contracts(req: Request) -> m.ContractList:
    return service().list(req.caller)


@app.route("GET", ITEM, summary="A contract with its versions and tools", response=m.ContractView,
           roles=READERS, problems=(401, 403, 404), exclude_none=True, tags=("contracts",))  # fmt: skip
def get_contract(req: Request) -> m.ContractView:
    return service().show(req.caller, req.path_param("contract_id"))


@app.route("PUT", ITEM, summary="Add a version (it serves once approved; the current one serves until then)",
           request=m.ContractRequest, response=m.Registered, roles=PARTNER, problems=WRITE_PROBLEMS,
           query=DRY_RUN, schemas=FLAG, exclude_none=True, tags=("contracts",))  # fmt: skip
def update_contract(req: Request) -> m.Registered:
    preflight = req.flag("dry_run")
    body = req.parse(m.ContractRequest, max_bytes=max_body_bytes())
    return service().update(req.caller, req.path_param("contract_id"), body, dry_run=preflight)


@app.route("DELETE", ITEM, summary="Retire a contract: its tools leave the catalog at once", status=204,
           roles=READERS, problems=(401, 403, 404, 409), tags=("contracts",))  # fmt: skip
def retire_contract(req: Request) -> Response:
    service().retire(req.caller, req.path_param("contract_id"))
    return Response(204)


@app.route("POST", ITEM + "/approve", summary="Approve the pending version (admin); optionally waive the "
           "driver's confirmation for named write operations", request=m.ApproveRequest,
           response=m.ContractView, roles=ADMIN, problems=(400, 401, 403, 404, 409, 415, 422),
           tags=("contracts",))  # fmt: skip
def approve_contract(req: Request) -> m.ContractView:
    return service().approve(req.caller, req.path_param("contract_id"), req.parse(m.ApproveRequest))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app(event, context)
