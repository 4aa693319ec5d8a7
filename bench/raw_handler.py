"""The baseline: a raw Lambda handler for the same call, written by hand with pydantic — it parses the
body, validates the arguments with a pydantic model, and answers a model; no framework, no policy."""

from __future__ import annotations

from typing import Any, Literal

import boto3  # noqa: F401 - a raw handler that talks to AWS imports it too
from pydantic import BaseModel, ConfigDict, Field


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class FindStations(BaseModel):
    model_config = ConfigDict(extra="forbid")
    location: Point
    radius_km: float = Field(default=10, gt=0, le=100)
    min_power_kw: float | None = Field(default=None, ge=0, le=1000)
    connectors: list[Literal["GB_T_DC", "GB_T_AC", "CCS2", "TYPE2", "CHADEMO"]] | None = None
    available_only: bool = False
    route: list[Point] | None = None
    limit: int = Field(default=10, ge=1, le=50)


class Body(BaseModel):
    arguments: FindStations
    session_id: str | None = None


class Answer(BaseModel):
    tool: str
    status: str
    result: dict[str, Any]


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    Body.model_validate_json(event["body"])
    answer = Answer(tool=event["pathParameters"]["name"], status="succeeded", result={"stations": []})
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": answer.model_dump_json(),
    }
