"""The `cockpit` command for people: one line for an expected condition (never a traceback), help for
every option, quit words in both languages, and the runtime's console in human or JSON form."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from cockpit_dev import cli, logs
from cockpit_dev.conversation import Conversation, converse
from cockpit_dev.net import LoopbackServer
from cockpit_dev.problems import CommandError, refused, unreachable

ROOT = Path(__file__).resolve().parents[3]


def _parsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(parser.prog, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _parsers(sub)
    return found


def test_every_option_of_every_command_has_help_text() -> None:
    missing = [
        f"{prog} {action.option_strings or action.dest}"
        for prog, parser in _parsers(cli.parser())
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction)
        and not (action.help or "").strip()
    ]
    assert len(_parsers(cli.parser())) >= 12 and missing == []


class _Built(Exception):
    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.parser = parser


def _parser_of(
    main: Callable[[list[str]], object], monkeypatch: pytest.MonkeyPatch
) -> argparse.ArgumentParser:
    """The parser an entry point's main() builds (stopped where it would parse)."""

    def built(parser: argparse.ArgumentParser, *_args: object, **_kwargs: object) -> None:
        raise _Built(parser)

    with monkeypatch.context() as patch:
        patch.setattr(argparse.ArgumentParser, "parse_args", built)
        try:
            main([])
        except _Built as found:
            return found.parser
    raise AssertionError(f"{main} parsed no arguments")


def test_every_option_of_the_make_targets_python_commands_has_help_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the Makefile runs besides `cockpit`: python -m bench, bench/cold_path.py, cockpit_dev.stack,
    cockpit_dev.catalog, cockpit_dev.moto_server."""
    from bench import __main__ as bench_main
    from bench import cold_path
    from cockpit_dev import catalog, moto_server, stack

    entry_points = [bench_main.main, cold_path.main, stack.main, catalog.main, moto_server.main]
    missing = [
        f"{parser.prog} {action.option_strings or action.dest}"
        for parser in (_parser_of(main, monkeypatch) for main in entry_points)
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction) and not (action.help or "").strip()
    ]
    assert missing == []


def test_ctrl_c_in_the_cold_path_bench_is_one_line(tmp_path: Path) -> None:
    """`make bench`'s second command, stopped while it waits on a child (its --python, a stand-in that
    marks when it started and then sleeps)."""
    import signal
    import time

    started = tmp_path / "started"
    stand_in = tmp_path / "python"
    stand_in.write_text(f"#!/bin/sh\ntouch '{started}'\nexec sleep 60\n")
    stand_in.chmod(0o755)
    child = subprocess.Popen(
        [sys.executable, "bench/cold_path.py", "--python", str(stand_in), "--rounds", "1"],
        cwd=ROOT, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not started.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), child.communicate(timeout=60)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130 and out == "", err
    assert err == "bench (cold path): interrupted; nothing was measured\n", err


def test_make_help_lists_every_target_with_a_description() -> None:
    makefile = (ROOT / "Makefile").read_text()
    described = re.findall(r"^([a-zA-Z0-9_.-]+):.*## ", makefile, flags=re.MULTILINE)
    shown = make("-s", "help")
    listed = {line.split()[0] for line in re.sub(r"\x1b\[[0-9;]*m", "", shown.stdout).splitlines()}
    assert {"e2e", "localstack-e2e", "run", "test"} <= listed and listed == set(described)


def test_quit_words_end_the_conversation_in_both_languages() -> None:
    said: list[str] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        said.append(json.loads(request.content)["text"])
        return httpx.Response(200, json={"reply": "ok", "agent": "Car Genius"})

    for word in ("quit", "EXIT", "退出", "/q"):
        with httpx.Client(base_url="http://gw.test", transport=httpx.MockTransport(gateway)) as http:
            talk = Conversation(http, "t")
            talk.session_id = "ses_1"
            assert converse(talk, ["电量", word, "never sent"], lambda _line: None) == 1
    assert said == ["电量"] * 4


def test_a_refused_token_and_an_unreachable_gateway_are_one_line_with_what_to_do() -> None:
    request = httpx.Request("POST", "http://127.0.0.1:3000/v1/sessions")
    problem = {
        "status": 401,
        "detail": "A valid bearer token is required. Local development: `make token` ...",
    }
    said = str(refused(httpx.Response(401, json=problem, request=request)))
    assert "refused the token (A valid bearer token is required.)" in said and "`make token`" in said
    assert "\n" not in said
    down = str(unreachable(httpx.ConnectError("Connection refused", request=request)))
    assert down.startswith("cannot reach http://127.0.0.1:3000: ") and "`make run`" in down
    assert "403" in str(refused(httpx.Response(403, json={"detail": "no"}, request=request)))


def _chat_against(handler: httpx.MockTransport, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(["chat", "--token", "t", "--plain"], transport=handler)
    out, err = capsys.readouterr()
    return code, out, err


def test_chat_says_in_one_line_when_the_token_is_refused_or_the_gateway_is_down(
    capsys: pytest.CaptureFixture[str],
) -> None:
    deny = httpx.MockTransport(lambda r: httpx.Response(401, json={"status": 401, "detail": "expired"}))
    code, out, err = _chat_against(deny, capsys)
    assert code == 1 and out == "" and err.count("\n") == 1 and "`make token`" in err

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    code, out, err = _chat_against(httpx.MockTransport(down), capsys)
    assert (code, out) == (1, "") and err.startswith("cockpit: cannot reach http://127.0.0.1:3000")
    assert "Traceback" not in err and err.count("\n") == 1


def test_an_interrupt_is_one_line_and_status_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.devkeys, "token", interrupted)
    assert cli.main(["token", "--role", "vehicle", "--sub", "v"]) == 130
    assert capsys.readouterr().err == "cockpit: interrupted\n"


def test_a_client_that_hangs_up_early_leaves_no_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    server = LoopbackServer(("127.0.0.1", 0), __import__("http.server").server.BaseHTTPRequestHandler)
    try:
        for gone in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")):
            try:
                raise gone
            except ConnectionError:
                server.handle_error(None, ("127.0.0.1", 1))
        assert capsys.readouterr().err == ""
        try:
            raise ValueError("a real bug")
        except ValueError:
            server.handle_error(None, ("127.0.0.1", 1))
        assert "ValueError: a real bug" in capsys.readouterr().err  # real errors still show
    finally:
        server.server_close()


POWERTOOLS = {
    "level": "INFO", "location": "turn:88", "message": "turn", "timestamp": "2026-12-05T06:00:00Z",
    "service": "assistant", "cold_start": False, "function_request_id": "r1", "agent": "car_genius",
    "tools": ["charging_find_stations:succeeded"],
}  # fmt: skip
EMF = {
    "_aws": {"CloudWatchMetrics": [{"Metrics": [{"Name": "ToolErrors", "Unit": "Count"}]}]},
    "ToolErrors": 0,
}


def test_the_console_is_for_people_by_default_and_json_on_request() -> None:
    assert (
        logs.render_human("AssistantFunction", json.dumps(POWERTOOLS))
        == '[AssistantFunction] INFO turn agent=car_genius tools=["charging_find_stations:succeeded"]'
    )
    assert (
        logs.render_human("AssistantFunction", json.dumps(EMF)) == "[AssistantFunction] metrics ToolErrors=0"
    )
    assert logs.render_human("api", "GET /v1/tools -> 200 (3 ms)") == "[api] GET /v1/tools -> 200 (3 ms)"
    as_json = json.loads(logs.render_json("AssistantFunction", json.dumps(POWERTOOLS)))
    assert as_json == {"source": "AssistantFunction", **POWERTOOLS}
    plain = json.loads(logs.render_json("cockpit", "stopping"))
    assert plain["source"] == "cockpit" and plain["message"] == "stopping" and plain["timestamp"]
    buffer = io.StringIO()
    previous = logs.configure(buffer, "json")
    try:
        logs.emit("cockpit", "hello\n")
    finally:
        logs.restore(previous)
    assert json.loads(buffer.getvalue())["message"] == "hello"


def test_run_takes_a_log_format_and_rejects_others(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.parser().parse_args(["run", "--log-format", "json"]).log_format == "json"
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["run", "--log-format", "xml"])
    assert "--log-format" in capsys.readouterr().err


def test_the_token_command_survives_a_reader_that_left(tmp_path: Path) -> None:
    """`cockpit token | head -c1`, made certain: stdout's reader is gone before the token is written."""
    env = {"COCKPIT_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    child = subprocess.Popen(
        [sys.executable, "-m", "cockpit_dev.cli", "token", "--role", "vehicle", "--sub", "v"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # the reader hangs up at once
    err = child.stderr.read().decode()
    assert child.wait(60) == 0 and err == "", err


def test_command_error_is_an_exception_with_its_line() -> None:
    assert str(CommandError("x")) == "x"


def test_chat_keeps_a_readline_history_between_sessions(tmp_path: Path) -> None:
    import readline

    from cockpit_dev.conversation import _editing

    path = tmp_path / "home" / "chat_history"
    readline.clear_history()
    save = _editing(path)
    assert save is not None
    readline.add_history("find a fast charger")
    save()
    readline.clear_history()
    assert _editing(path) is not None  # the next chat reads it back
    last = readline.get_current_history_length()
    assert readline.get_history_item(last) == "find a fast charger"
    readline.clear_history()


DEV_TOOLS = ("aws-sam-cli", "mypy", "ruff", "cfn-lint", "pytest", "moto[server]")


def _requirements(name: str) -> set[str]:
    lines = (ROOT / name).read_text().splitlines()
    return {
        line.split("==")[0].strip() for line in lines if line.strip() and not line.startswith(("#", "-r"))
    }


def _make_dry_run(target: str, venv: Path) -> str:
    return make("-n", target, f"VENV={venv}").stdout


def test_running_installs_only_what_running_needs_and_make_test_adds_the_dev_tools(tmp_path: Path) -> None:
    assert not set(DEV_TOOLS) & _requirements("requirements-run.txt")
    assert set(DEV_TOOLS) <= _requirements("requirements-dev.txt")
    assert "-r requirements-run.txt" in (ROOT / "requirements-dev.txt").read_text()
    fresh = tmp_path / "venv"  # a fresh clone: nothing installed yet
    for target in ("run", "chat", "demo", "token"):
        plan = _make_dry_run(target, fresh)
        assert "-r requirements-run.txt" in plan and "requirements-dev.txt" not in plan, plan
        assert "==> Installing what running needs" in plan  # progress is shown
    for target in ("unit", "lint", "test"):
        plan = _make_dry_run(target, fresh)
        assert "-r requirements-run.txt" in plan and "-r requirements-dev.txt" in plan, plan
    fresh.mkdir()
    (fresh / ".installed-run").touch()  # after `make run`, `make unit` adds the dev tools only
    plan = _make_dry_run("unit", fresh)
    assert "-r requirements-dev.txt" in plan and "-r requirements-run.txt" not in plan, plan


@pytest.mark.parametrize("key", [EOFError, KeyboardInterrupt], ids=["ctrl-d", "ctrl-c"])
def test_ctrl_d_and_ctrl_c_at_the_prompt_end_the_chat(
    key: type[BaseException], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cockpit_dev.conversation import _typed_lines

    typed = iter(["how is my battery"])

    def prompt(_text: str) -> str:
        for line in typed:
            return line
        raise key

    monkeypatch.setattr("builtins.input", prompt)
    assert list(_typed_lines()) == ["how is my battery"]
    assert capsys.readouterr().out == "\n"  # the prompt's line is closed, nothing else


@pytest.mark.parametrize(
    ("which", "what", "says"),
    [
        ("port", "API", "make run API_PORT=N (and make chat API_PORT=N), or cockpit run --port N"),
        ("lambda_port", "Lambda Invoke API", "make run LAMBDA_PORT=N, or cockpit run --lambda-port N"),
    ],
)
def test_a_taken_port_is_one_line_that_says_how_to_choose_another(
    which: str, what: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from http.server import BaseHTTPRequestHandler

    from cockpit_dev import runtime

    taken = LoopbackServer(("127.0.0.1", 0), BaseHTTPRequestHandler)  # another `make run`, say
    port = int(taken.server_address[1])
    try:
        options = runtime.Options(port=0, lambda_port=0, template=ROOT / "template.yaml")
        setattr(options, which, port)
        code = runtime.run(options)
    finally:
        taken.server_close()
    captured = capsys.readouterr()
    assert code == 1 and captured.out == "" and captured.err.count("\n") == 1, captured.err
    assert f"cannot serve the {what} on 127.0.0.1:{port}: " in captured.err and says in captured.err


def test_the_runtime_names_its_pages_and_how_to_chat_on_its_port() -> None:
    from cockpit_dev.runtime import gateway_hints

    pages, chat = gateway_hints(3000)
    assert pages == (
        "see it: http://127.0.0.1:3000/ (head unit), http://127.0.0.1:3000/console/ (partner console), "
        "http://127.0.0.1:3000/v1/docs (API reference)"
    )
    assert chat.startswith("talk to the assistant: make chat (or ") and "--url http://127.0.0.1:3000)" in chat
    _pages, elsewhere = gateway_hints(3100)
    assert "make chat API_PORT=3100 (or " in elsewhere and "--url http://127.0.0.1:3100)" in elsewhere


def test_a_demo_whose_runtime_cannot_start_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COCKPIT_HOME", str(tmp_path / "home"))
    assert cli.main(["demo", "--plain", "--template", str(tmp_path / "nope.yaml")]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("cockpit: the demo's local runtime did not start: cannot read template ")


def test_make_chat_prints_the_dialogue_only_not_its_command(tmp_path: Path) -> None:
    """make echoes a recipe's command unless it starts with @: `make chat` (and `make demo`) show
    only what cockpit says. Here the gateway is down: stdout stays empty, stderr says so in one line
    (and make adds its own 'Error 1')."""
    from cockpit_dev.net import free_port

    done = make("chat", f"API_PORT={free_port()}", home=tmp_path, check=False)
    assert done.returncode != 0 and done.stdout == "", done.stdout
    assert done.stderr.splitlines()[0].startswith("cockpit: cannot reach http://127.0.0.1:"), done.stderr
    assert "Traceback" not in done.stderr
    recipes = (ROOT / "Makefile").read_text()
    assert "\n\t@$(BIN)/cockpit demo\n" in recipes


def test_make_run_and_chat_take_other_ports() -> None:
    def planned(*args: str) -> str:
        return make("-n", *args).stdout.splitlines()[-1].strip()

    assert planned("run") == ".venv/bin/cockpit run"
    assert (
        planned("run", "API_PORT=3100", "LAMBDA_PORT=3101", "AWS_PORT=4600", "FRESH=1")
        == ".venv/bin/cockpit run --port 3100 --lambda-port 3101 --aws-port 4600 --fresh"
    )
    assert planned("chat") == ".venv/bin/cockpit chat"
    assert planned("chat", "API_PORT=3100") == ".venv/bin/cockpit chat --url http://127.0.0.1:3100"


def make(*args: str, home: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`make ARGS` as a user types it: not as a sub-make of the `make unit` running this suite (whose
    MAKEFLAGS/MAKELEVEL would make it print 'Entering directory' and pass its own flags on)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    if home is not None:
        env["COCKPIT_HOME"] = str(home)
    return subprocess.run(
        ["make", *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=60, check=check,
    )  # fmt: skip
