"""`cockpit chat` (talk to a running gateway from the terminal) and `cockpit demo` (a short scripted
conversation against a fresh local runtime with the offline planner, printed)."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx

from cockpit_dev import devkeys, logs, problems

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
QUIT_WORDS = frozenset({"quit", "exit", "/q", "退出"})
HISTORY_FILE = "chat_history"


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
        if not answer.is_success:
            raise problems.refused(answer)
        self.session_id = str(answer.json()["session_id"])
        return self.session_id

    def say(self, text: str) -> dict[str, Any]:
        body = {"text": text}
        answer = self.http.post(f"/v1/sessions/{self.session_id}/turns", json=body, headers=self.headers)
        if answer.status_code in (401, 403):  # e.g. the token expired meanwhile
            raise problems.refused(answer)
        try:
            doc: dict[str, Any] = answer.json()
        except ValueError:
            doc = {"status": answer.status_code, "detail": answer.text[:200]}
        if answer.status_code != 200:
            return {
                "reply": f"[{doc.get('status')}] {doc.get('detail')}",
                "tool_calls": [],
                "agent": "gateway",
            }
        return doc

    def end(self) -> None:
        if self.session_id:
            # If the gateway went away first, the session expires on its own.
            with contextlib.suppress(httpx.TransportError):
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
        if text.lower() in QUIT_WORDS:
            break
        if not text:
            continue
        show(out, text, conversation.say(text))
        turns += 1
    return turns


def chat(args: argparse.Namespace) -> int:
    token = args.token or devkeys.token("vehicle", args.sub)
    vehicle = {**DEMO_CAR, "location": {"lat": args.lat, "lon": args.lon}}
    timeout = httpx.Timeout(60.0, connect=5.0)
    with httpx.Client(base_url=args.url, timeout=timeout, transport=args.transport) as http:
        conversation = Conversation(http, token)
        sid = conversation.start(args.locale, vehicle)
        history = None
        try:  # from here on, Ctrl-C (at the prompt or while the gateway answers) is the same as quit
            print(
                f"session {sid} ({args.locale}); type 'quit' or '退出' to end (or Ctrl-D), 'yes' to confirm",
                flush=True,
            )
            history = None if args.plain else _editing(devkeys.home() / HISTORY_FILE)
            converse(conversation, _typed_lines(), print)
        except KeyboardInterrupt:
            print()
        finally:
            if history is not None:
                history()
            if not args.keep:
                conversation.end()
    return 0


def _typed_lines() -> Iterable[str]:
    """What the driver types, until Ctrl-D or Ctrl-C."""
    while True:
        try:
            yield input("> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return


def _editing(path: Path) -> Callable[[], None] | None:
    """Line editing and a history kept in `path` (stdlib readline, where the platform has it); the
    function that saves the history."""
    try:
        import readline
    except ImportError:
        return None
    readline.set_history_length(1000)
    with contextlib.suppress(OSError):  # no history yet
        readline.read_history_file(path)

    def save() -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(path)
        except OSError:
            pass

    return save


def demo(args: argparse.Namespace, out: Print = print) -> int:
    from cockpit_dev.net import free_port
    from cockpit_dev.runtime import STARTUP_ERRORS, Options, Runtime

    options = Options(
        port=free_port(),
        lambda_port=free_port(),
        aws_port=free_port(),
        template=Path(args.template),
        parameters={"LlmProvider": "offline"},
        stack_name="cockpit-demo",
        reload=False,
        keep_state=False,  # a fresh runtime: neither `make run`'s saved state nor a state of its own
    )
    log_path = devkeys.home() / "demo.log"
    if args.verbose:
        previous = logs.configure(form=args.log_format)
    else:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = log_path.open("w", encoding="utf-8")
        previous = logs.configure(log_file, form=args.log_format)
    runtime = Runtime(options)
    try:
        if not args.plain:
            where = "on stderr" if args.verbose else f"in {_shown(log_path)}"
            out(f"starting the local runtime (offline planner; its logs {where})…")
        try:
            runtime.start()
        except STARTUP_ERRORS as exc:  # a broken template, moto that would not start, ...: one line
            raise problems.CommandError(f"the demo's local runtime did not start: {exc}") from None
        with httpx.Client(base_url=f"http://127.0.0.1:{options.port}", timeout=60.0) as http:
            conversation = Conversation(http, devkeys.token("vehicle", "vin-demo"))
            out(f"session {conversation.start(args.locale, DEMO_CAR)}")
            turns = converse(conversation, DEMO[args.locale], out)
            conversation.end()
            out(f"{turns} turns; the session was erased")
    finally:
        runtime.stop()
        logs.restore(previous)
        if not args.verbose:
            log_file.close()
    return 0


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def add_commands(commands: Any) -> None:
    talk = commands.add_parser(
        "chat",
        help="talk to a running gateway's assistant from the terminal",
        description="Talk to the assistant of a running gateway (`make run`). Line editing and history "
        "(kept in .cockpit/chat_history); quit with quit, exit, 退出, Ctrl-D or Ctrl-C.",
    )
    talk.add_argument("--url", default="http://127.0.0.1:3000", help="the gateway (default: make run's)")
    talk.add_argument("--token", help="a vehicle token (default: one signed with the local dev key)")
    talk.add_argument("--sub", default="vin-demo", help="vehicle id for the dev token (default vin-demo)")
    talk.add_argument("--locale", choices=sorted(DEMO), default="en-US", help="the driver's language")
    talk.add_argument(
        "--lat", type=float, default=PEOPLES_SQUARE["lat"], help="the car's latitude (default Shanghai)"
    )
    talk.add_argument(
        "--lon", type=float, default=PEOPLES_SQUARE["lon"], help="the car's longitude (default Shanghai)"
    )
    talk.add_argument("--keep", action="store_true", help="keep the session when you quit")
    talk.add_argument(
        "--plain", action="store_true", help="for scripts: read lines from stdin, no line editing or history"
    )
    talk.set_defaults(action=chat)

    show_demo = commands.add_parser(
        "demo",
        help="a scripted conversation with the offline planner, printed",
        description="A scripted conversation on a fresh local runtime of its own; only the dialogue is "
        "printed (the runtime's logs go to .cockpit/demo.log, or to stderr with --verbose).",
    )
    show_demo.add_argument("--locale", choices=sorted(DEMO), default="en-US", help="the driver's language")
    show_demo.add_argument("--template", default="template.yaml", help="SAM template (default template.yaml)")
    show_demo.add_argument("--verbose", action="store_true", help="show the runtime's logs on stderr")
    show_demo.add_argument(
        "--log-format",
        choices=logs.FORMATS,
        default="human",
        help="the runtime's logs: human (default) or json",
    )
    show_demo.add_argument("--plain", action="store_true", help="for scripts: the dialogue lines only")
    show_demo.set_defaults(action=lambda a: demo(a))
