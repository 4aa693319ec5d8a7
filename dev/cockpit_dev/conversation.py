"""`cockpit chat` (talk to a running gateway from the terminal) and `cockpit demo` (a short scripted
conversation against a fresh local runtime with the offline planner, printed)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx

from cockpit_dev import devkeys

PEOPLES_SQUARE = {"lat": 31.2304, "lon": 121.4737}
DEMO_CAR = {
    "location": PEOPLES_SQUARE,
    "battery_percent": 23,
    "range_km": 80,
    "connectors": ["GB_T_DC", "CCS2"],
    "heading_deg": 90,
    "consumption_kwh_per_100km": 16.5,
}
DEMO = {  # the whole journey: on the way, navigate there, charge with the card, stop, pay, battery
    "en-US": [
        "find a fast charger on the way",
        "navigate to the first one",
        "start charging at the first one with my card",
        "yes",
        "how is charging",
        "stop charging",
        "pay for charging",
        "how is my battery",
    ],
    "zh-CN": [
        "找一个快充站",
        "导航到第一个",
        "在第一个充电，用卡支付",
        "确认",
        "充电状态",
        "停止充电",
        "支付充电费用",
        "电量还有多少",
    ],
}
Print = Callable[[str], None]


class Conversation:
    """One session over HTTP: create, say, erase."""

    def __init__(self, http: httpx.Client, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}
        self.session_id = ""

    def start(self, locale: str, vehicle: dict[str, Any]) -> str:
        answer = self.http.post(
            "/v1/sessions", json={"locale": locale, "vehicle": vehicle}, headers=self.headers
        )
        answer.raise_for_status()
        self.session_id = str(answer.json()["session_id"])
        return self.session_id

    def say(self, text: str) -> dict[str, Any]:
        body = {"text": text}
        answer = self.http.post(f"/v1/sessions/{self.session_id}/turns", json=body, headers=self.headers)
        doc: dict[str, Any] = answer.json()
        if answer.status_code != 200:
            return {
                "reply": f"[{doc.get('status')}] {doc.get('detail')}",
                "tool_calls": [],
                "agent": "gateway",
            }
        return doc

    def end(self) -> None:
        if self.session_id:
            self.http.delete(f"/v1/sessions/{self.session_id}", headers=self.headers)


def show(out: Print, text: str, turn: dict[str, Any]) -> None:
    out(f"driver    > {text}")
    for call in turn.get("tool_calls", []):
        out(f"  · {call['name']} → {call['status']}")
    pending = turn.get("pending_confirmation")
    if pending:
        out(f"  · waiting for the driver's yes: {pending['tool']}")
    model = turn.get("model") or {}
    note = " (offline fallback)" if model.get("fallback") else ""
    out(f"{turn.get('agent', 'assistant'):>9} < {turn['reply']}{note}")


def converse(conversation: Conversation, lines: Iterable[str], out: Print) -> int:
    turns = 0
    for raw in lines:
        text = raw.strip()
        if text in ("quit", "exit", "/q"):
            break
        if not text:
            continue
        show(out, text, conversation.say(text))
        turns += 1
    return turns


def chat(args: argparse.Namespace) -> int:
    token = args.token or devkeys.token("vehicle", args.sub)
    vehicle = {**DEMO_CAR, "location": {"lat": args.lat, "lon": args.lon}}
    with httpx.Client(base_url=args.url, timeout=httpx.Timeout(60.0, connect=5.0)) as http:
        conversation = Conversation(http, token)
        sid = conversation.start(args.locale, vehicle)
        print(f"session {sid} ({args.locale}); type 'quit' to end, 'yes' to confirm", flush=True)

        def lines() -> Iterable[str]:
            while True:
                try:
                    yield input("> ")
                except EOFError:
                    return

        converse(conversation, lines(), print)
        if not args.keep:
            conversation.end()
    return 0


def demo(args: argparse.Namespace, out: Print = print) -> int:
    from cockpit_dev.net import free_port
    from cockpit_dev.runtime import Options, Runtime

    options = Options(
        port=free_port(),
        lambda_port=free_port(),
        aws_port=free_port(),
        template=Path(args.template),
        parameters={"LlmProvider": "offline"},
        stack_name="cockpit-demo",
    )
    runtime = Runtime(options)
    try:
        out("starting the local runtime (offline planner)…")
        runtime.start()
        with httpx.Client(base_url=f"http://127.0.0.1:{options.port}", timeout=60.0) as http:
            conversation = Conversation(http, devkeys.token("vehicle", "vin-demo"))
            out(f"session {conversation.start(args.locale, DEMO_CAR)}")
            turns = converse(conversation, DEMO[args.locale], out)
            conversation.end()
            out(f"{turns} turns; the session was erased")
    finally:
        runtime.stop()
    return 0


def add_commands(commands: Any) -> None:
    talk = commands.add_parser("chat", help="talk to a running gateway's assistant from the terminal")
    talk.add_argument("--url", default="http://127.0.0.1:3000", help="the gateway (default: make run's)")
    talk.add_argument("--token", help="a vehicle token (default: one signed with the local dev key)")
    talk.add_argument("--sub", default="vin-demo", help="vehicle id for the dev token (default vin-demo)")
    talk.add_argument("--locale", choices=sorted(DEMO), default="en-US")
    talk.add_argument("--lat", type=float, default=PEOPLES_SQUARE["lat"])
    talk.add_argument("--lon", type=float, default=PEOPLES_SQUARE["lon"])
    talk.add_argument("--keep", action="store_true", help="keep the session when you quit")
    talk.set_defaults(action=chat)

    show_demo = commands.add_parser("demo", help="a scripted conversation with the offline planner, printed")
    show_demo.add_argument("--locale", choices=sorted(DEMO), default="en-US")
    show_demo.add_argument("--template", default="template.yaml", help="SAM template (default template.yaml)")
    show_demo.set_defaults(action=lambda a: demo(a))
