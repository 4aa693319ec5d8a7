"""MCP requestState: sealed (AES-256-GCM) by the gateway, readable and makeable by nobody else, bound to the
vehicle, the tool, the exact arguments and five minutes."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from router.request_state import PREFIX, TTL_S, StateRefused, StateSealer

ARGS = {"amount": {"amount": 4550, "currency": "CNY"}, "merchant": "shanghai_star_charging"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def sealer(clock: Clock, secret: bytes = b"gateway-secret") -> StateSealer:
    return StateSealer(lambda: secret, clock)


def sealed(s: StateSealer, **extra: Any) -> str:
    return s.seal(s.issue("vin-1", "payments_create_payment", ARGS, "mcp-key-1", **extra))


def test_a_state_opens_for_its_own_call_with_everything_it_carries() -> None:
    s = sealer(Clock())
    text = sealed(s, token="ct_secret", summary="Pay ¥45.50?")
    state = s.open(text, "vin-1", "payments_create_payment", dict(ARGS))
    assert (state.key, state.token, state.summary) == ("mcp-key-1", "ct_secret", "Pay ¥45.50?")
    assert (
        "ct_secret" not in text and "mcp-key-1" not in text and "vin-1" not in text
    )  # encrypted, not signed


def test_every_sealing_differs_and_both_open() -> None:
    s = sealer(Clock())
    one, two = sealed(s), sealed(s)
    assert one != two  # a fresh nonce each time
    assert s.open(one, "vin-1", "payments_create_payment", ARGS) == s.open(
        two, "vin-1", "payments_create_payment", ARGS
    )


@pytest.mark.parametrize(
    ("sub", "tool", "args", "why"),
    [
        ("vin-2", "payments_create_payment", ARGS, "caller"),
        ("vin-1", "payments_refund_payment", ARGS, "another tool"),
        ("vin-1", "payments_create_payment", {**ARGS, "merchant": "x"}, "other arguments"),
        (
            "vin-1",
            "payments_create_payment",
            {**ARGS, "amount": {"amount": 4551, "currency": "CNY"}},
            "other arguments",
        ),
    ],
)
def test_a_state_is_bound_to_vehicle_tool_and_exact_arguments(
    sub: str, tool: str, args: Any, why: str
) -> None:
    s = sealer(Clock())
    with pytest.raises(StateRefused, match=why):
        s.open(sealed(s), sub, tool, args)


def test_a_state_expires() -> None:
    clock = Clock()
    s = sealer(clock)
    text = sealed(s)
    clock.now += TTL_S - 1
    s.open(text, "vin-1", "payments_create_payment", ARGS)
    clock.now += 1
    with pytest.raises(StateRefused, match="expired"):
        s.open(text, "vin-1", "payments_create_payment", ARGS)


def flip(text: str, at: int) -> str:
    body = bytearray(base64.urlsafe_b64decode(text[len(PREFIX) :] + "=" * (-len(text) % 4)))
    body[at] ^= 1
    return PREFIX + base64.urlsafe_b64encode(bytes(body)).decode().rstrip("=")


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: flip(t, 0),  # the nonce
        lambda t: flip(t, 20),  # the ciphertext
        lambda t: flip(t, -1),  # the tag
        lambda t: t[:-8],
        lambda t: "cs1.",
        lambda t: "cs1.!!!not-base64!!!",
        lambda t: "x" + t,
        lambda t: PREFIX + "A" * 5000,
        lambda t: sealed(sealer(Clock(), b"another gateway")),
    ],
)
def test_a_forged_or_altered_state_is_refused(forge: Any) -> None:
    s = sealer(Clock())
    with pytest.raises(StateRefused, match="not issued by this gateway"):
        s.open(forge(sealed(s)), "vin-1", "payments_create_payment", ARGS)
