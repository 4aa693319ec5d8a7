"""boto3 clients, created once per container and reused.

Endpoints come from botocore's own environment variables (AWS_ENDPOINT_URL,
AWS_ENDPOINT_URL_LAMBDA, ...), so the same code talks to AWS, LocalStack or moto's server.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from cockpit.settings import per_container

_TIMEOUTS = {"lambda": 30.0, "bedrock-runtime": 15.0}  # a model answer takes seconds, not milliseconds
_SINGLE_ATTEMPT = frozenset({"lambda", "bedrock-runtime"})  # the caller decides what a failure means


@per_container
def client(service: str) -> Any:
    read_timeout = _TIMEOUTS.get(service, 5.0)
    config = Config(
        connect_timeout=2,
        read_timeout=read_timeout,
        retries={"mode": "standard", "max_attempts": 1 if service in _SINGLE_ATTEMPT else 3},
        tcp_keepalive=True,
    )
    return boto3.session.Session().client(service, config=config)  # type: ignore[call-overload]
