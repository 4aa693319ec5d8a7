"""The sample events in events/payments/ (what `sam local invoke -e` takes) do what they say, in order."""

from __future__ import annotations

from typing import Any

from cockpit_dev.template import Template
from payments.handler import lambda_handler
from tests.support import events as ev


def run(name: str) -> dict[str, Any]:
    return lambda_handler(ev.sample(f"payments/{name}"), None)


def test_the_tool_samples(gateway: Template) -> None:
    methods = run("list_methods.json")["result"]["methods"]
    assert methods[0]["id"] == "pm_card_visa"
    assert (
        run("create_payment_preview.json")["result"]["summary"]
        == "向上海星星充电支付 ¥45.50，使用尾号4242的银行卡？"
    )
    payment = run("create_payment.json")["result"]["payment"]
    assert payment["status"] == "succeeded"
    assert run("create_payment.json")["result"]["payment"] == payment  # a duplicated invocation
    refunded = run("refund_payment.json")["result"]
    assert refunded["payment"]["id"] == payment["id"] and refunded["refund"]["amount"]["amount"] == 1000
    declined = run("create_payment_declined.json")
    assert declined["status"] == "failed" and declined["error"]["status"] == 402


def test_the_command_samples(gateway: Template) -> None:
    answer = run("authorize_command.json")
    assert answer["status"] == "succeeded"
    held = answer["result"]
    assert held["payment"]["status"] == "requires_capture"
    captured = run("capture_command.json")["result"]
    assert captured["payment"]["id"] == held["payment"]["id"]
    assert captured["payment"]["captured"] == {"amount": 8496, "currency": "CNY"}
    refunded = run("refund_command.json")["result"]
    assert refunded["refund"]["amount"] == {"amount": 1000, "currency": "CNY"}
    assert refunded["payment"]["refunded"] == {"amount": 1000, "currency": "CNY"}
    assert run("refund_command.json")["result"]["refund"] == refunded["refund"]  # once per key
