"""Partner tools for tests: the parking operator of tests/support/partner_server.py as compiled tools,
an in-memory PartnerToolSource, and an independent verifier of the gateway's request signature."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cockpit.partners.model import (
    ApiKeyAuth,
    BodyBinding,
    NoAuth,
    OutboundAuth,
    ParameterBinding,
    PartnerOperation,
    PartnerTool,
)
from cockpit.tools.model import Role, ToolSpec

PARTNER = "partner-acme"
CONTRACT = "ctr_acme_parking_1"
NAMESPACE = "acme_parking"
SIGNING_KEY = "signing-key-for-tests-0123456789abcdef"
API_KEY = "api-key-for-tests-9876"

SPOT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "free"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "free": {"type": "integer", "minimum": 0},
        "price_per_hour": {"$ref": "#/$defs/Money"},
        "features": {"type": "array", "items": {"type": "string"}},
    },
}
DEFS: dict[str, Any] = {
    "Spot": SPOT_SCHEMA,
    "Money": {
        "type": "object",
        "required": ["amount", "currency"],
        "properties": {
            "amount": {"type": "integer"},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        },
    },
}


def _spec(
    name: str, title: str, input_schema: dict[str, Any], output: dict[str, Any] | None, **kw: Any
) -> ToolSpec:
    return ToolSpec(
        name=f"{NAMESPACE}_{name}",
        title=title,
        description=f"Acme Parking: {title.lower()}.",
        input_schema=input_schema,
        output_schema=output,
        source=f"partner:{kw.pop('partner', PARTNER)}",
        target=f"partner:{kw.pop('contract', CONTRACT)}",
        roles=(Role.VEHICLE,),
        **kw,
    )


def _op(operation_id: str, method: str, path: str, base_url: str, auth: OutboundAuth, signing_arn: str,
        **kw: Any) -> PartnerOperation:  # fmt: skip
    return PartnerOperation(
        contract_id=kw.pop("contract", CONTRACT),
        version=1,
        partner_id=kw.pop("partner", PARTNER),
        namespace=NAMESPACE,
        operation_id=operation_id,
        method=method,
        base_url=base_url,
        path=path,
        auth=auth,
        signing_secret_arn=signing_arn,
        **kw,
    )


def parking_tools(
    base_url: str,
    *,
    signing_arn: str,
    auth: OutboundAuth | None = None,
    timeout_ms: int = 3000,
    partner: str = PARTNER,
    contract: str = CONTRACT,
) -> list[PartnerTool]:
    auth = auth or NoAuth()
    common = {"partner": partner, "contract": contract}
    search_in = {
        "type": "object",
        "required": ["near"],
        "additionalProperties": False,
        "properties": {
            "near": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
            "radius_m": {"type": "integer", "minimum": 1, "maximum": 5000},
            "features": {"type": "array", "items": {"type": "string", "enum": ["ev", "covered", "disabled"]}},
        },
    }
    search_out = {
        "type": "object",
        "required": ["spots"],
        "properties": {"spots": {"type": "array", "items": {"$ref": "#/$defs/Spot"}}},
        "$defs": DEFS,
    }
    get_in = {
        "type": "object",
        "required": ["spot_id"],
        "additionalProperties": False,
        "properties": {"spot_id": {"type": "string", "minLength": 1, "maxLength": 64}},
    }
    get_out = {**SPOT_SCHEMA, "$defs": DEFS}
    reserve_in = {
        "type": "object",
        "required": ["spot_id", "hours"],
        "additionalProperties": False,
        "properties": {
            "spot_id": {"type": "string", "minLength": 1},
            "hours": {"type": "integer", "minimum": 1, "maximum": 24},
            "plate": {"type": "string", "maxLength": 16},
        },
    }
    reserve_out = {
        "type": "object",
        "required": ["reservation_id", "status"],
        "properties": {"reservation_id": {"type": "string"}, "status": {"enum": ["confirmed", "pending"]}},
    }
    op: dict[str, Any] = {
        "base_url": base_url,
        "auth": auth,
        "signing_arn": signing_arn,
        "timeout_ms": timeout_ms,
        **common,
    }
    return [
        PartnerTool(
            spec=_spec(
                "search_spots", "Search parking spots", search_in, search_out, effect="read", **common
            ),
            operation=_op(
                "searchSpots",
                "GET",
                "/spots",
                **op,
                parameters=(
                    ParameterBinding(
                        name="near",
                        location="query",
                        argument="near",
                        required=True,
                        style="form",
                        explode=False,
                    ),
                    ParameterBinding(name="radius_m", location="query", argument="radius_m", style="form"),
                    ParameterBinding(
                        name="features", location="query", argument="features", style="form", explode=False
                    ),
                ),
            ),
        ),
        PartnerTool(
            spec=_spec("get_spot", "Get a parking spot", get_in, get_out, effect="read", **common),
            operation=_op(
                "getSpot",
                "GET",
                "/spots/{spotId}",
                **op,
                parameters=(
                    ParameterBinding(name="spotId", location="path", argument="spot_id", required=True),
                ),
            ),
        ),
        PartnerTool(
            spec=_spec(
                "create_reservation",
                "Reserve a parking spot",
                reserve_in,
                reserve_out,
                effect="write",
                requires_confirmation=True,
                **common,
            ),
            operation=_op(
                "createReservation",
                "POST",
                "/reservations",
                **op,
                body=BodyBinding(
                    media_type="application/json", required=True, properties=("spot_id", "hours", "plate")
                ),
            ),
        ),
    ]


def api_key_auth(arn: str) -> ApiKeyAuth:
    return ApiKeyAuth(location="header", name="X-Api-Key", secret_arn=arn)


class FakePartnerToolSource:
    """In-memory registry read side: contracts can be added and retired; reads are counted."""

    def __init__(self, tools: Iterable[PartnerTool] = ()) -> None:
        self.tools: dict[str, PartnerTool] = {t.spec.name: t for t in tools}
        self.reads = 0

    def active_tools(self) -> list[PartnerTool]:
        self.reads += 1
        return list(self.tools.values())

    def get(self, name: str) -> PartnerTool | None:
        self.reads += 1
        return self.tools.get(name)

    def add(self, tools: Iterable[PartnerTool]) -> None:
        self.tools.update({t.spec.name: t for t in tools})

    def retire(self, contract_id: str) -> None:
        self.tools = {n: t for n, t in self.tools.items() if t.operation.contract_id != contract_id}


@dataclass(frozen=True)
class Verified:
    ok: bool
    why: str = ""


def verify_signature(key: str, method: str, target: str, headers: dict[str, str], body: bytes) -> Verified:
    """What a partner runs, written from the recipe in docs/operations.md (not from the gateway's code)."""
    timestamp = headers.get("x-cockpit-timestamp", "")
    given = headers.get("x-cockpit-signature", "")
    if not timestamp.isdigit() or not given.startswith("v1="):
        return Verified(False, "missing timestamp or signature")
    lines = ["v1", method, target, timestamp, hashlib.sha256(body).hexdigest()]
    expected = hmac.new(key.encode(), "\n".join(lines).encode(), hashlib.sha256).hexdigest()
    return Verified(hmac.compare_digest(given[3:], expected), "signature mismatch")
