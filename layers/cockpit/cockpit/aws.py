"""boto3 clients, created once per container and reused.

Endpoints come from botocore's own environment variables (AWS_ENDPOINT_URL,
AWS_ENDPOINT_URL_LAMBDA, ...), so the same code talks to AWS, LocalStack or moto's server.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

from cockpit import deadline
from cockpit.settings import per_container

_TIMEOUTS = {"lambda": 30.0, "bedrock-runtime": 15.0}  # a model answer takes seconds, not milliseconds
_SINGLE_ATTEMPT = frozenset({"lambda", "bedrock-runtime"})  # the caller decides what a failure means


def client(service: str) -> Any:
    """The container's client for `service`, with its default read timeout."""
    return _client(service, _TIMEOUTS.get(service, 5.0))


def client_within(service: str, what: str, cap_s: float | None = None) -> Any:
    """A client whose read timeout fits what this invocation has left (`cockpit.deadline`): `cap_s` (the
    service's default when None) when there is time, else one with the whole seconds left (a container
    keeps a few). Raises UpstreamTimeout, naming `what`, when there is no time left to call."""
    cap = _TIMEOUTS.get(service, 5.0) if cap_s is None else cap_s
    seconds = deadline.budget(cap, what)
    return _client(service, cap if seconds >= cap else float(max(1, int(seconds))))


_creating = threading.Lock()  # a boto3 session is not thread-safe: clients are made one at a time


@per_container
def _client(service: str, read_timeout: float) -> Any:
    config = Config(
        connect_timeout=min(2.0, read_timeout),
        read_timeout=read_timeout,
        retries={"mode": "standard", "max_attempts": 1 if service in _SINGLE_ATTEMPT else 3},
        tcp_keepalive=True,
    )
    with _creating:
        return session().client(service, config=config)  # type: ignore[call-overload]


@per_container
def session() -> boto3.session.Session:
    """One session per container: its clients share the loaded service models (a second client of a
    service, for a shorter timeout, costs little) and whatever hooks are registered on it."""
    return boto3.session.Session()
