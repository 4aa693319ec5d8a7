"""The local runtime and the `cockpit` command as a new user meets them: the ready line's curl works as
printed, every 401 says `make token`, refused tokens and clients that hang up leave no traceback in
the run log, and `cockpit chat` talks, quits and fails in one line."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from cockpit_dev.net import free_port
from tests.support.local_gateway import ROOT, GatewayProcess

pytestmark = pytest.mark.local_only
TokenFactory = Callable[..., str]


@pytest.fixture(scope="module")
def gateway(start_gateway_factory: Callable[[Mapping[str, str]], GatewayProcess]) -> GatewayProcess:
    return start_gateway_factory({})


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT_URL", "COCKPIT_LLM_"))}
    return {**env, "COCKPIT_HOME": str(home)}


def _log_since(gateway: GatewayProcess, offset: int) -> str:
    return gateway.stderr_path.read_bytes()[offset:].decode(errors="replace")


def test_the_ready_lines_curl_works_as_printed(gateway: GatewayProcess, cockpit_home: Path) -> None:
    command = gateway.ready_line.split(" | try: ", 1)[1].split(" (more tokens: make token)")[0]
    assert command.startswith("curl ") and "$(.venv/bin/cockpit token" in command, gateway.ready_line
    done = subprocess.run(
        ["bash", "-c", command + " -sS -w '\\n%{http_code}'"],
        cwd=ROOT, env=_env(cockpit_home), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    body, status = done.stdout.rsplit("\n", 1)
    assert status == "200" and json.loads(body), done.stderr


def test_the_log_names_the_pages_and_each_opens(gateway: GatewayProcess) -> None:
    log = gateway.stderr_path.read_text(errors="replace").splitlines()
    (line,) = [each for each in log if each.startswith("[cockpit] see it: ")]
    api = gateway.api_url
    assert re.findall(r"http://\S+", line) == [f"{api}/", f"{api}/console/", f"{api}/v1/docs"], line
    with httpx.Client(timeout=30) as http:
        for url in re.findall(r"http://\S+", line):
            page = http.get(url)
            assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"


def test_every_401_names_make_token_and_the_log_shows_no_traceback(
    gateway: GatewayProcess, token: TokenFactory
) -> None:
    offset = gateway.stderr_path.stat().st_size
    expired = token("vehicle", "vin-e2e-cli", exp=int(time.time()) - 60)
    with httpx.Client(base_url=gateway.api_url, timeout=30) as http:
        for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": f"Bearer {expired}"}):
            answer = http.get("/v1/tools", headers=headers)
            assert answer.status_code == 401 and "`make token`" in answer.json()["detail"], answer.text
    time.sleep(0.3)  # let the workers' log lines through
    log = _log_since(gateway, offset)
    assert "-> 401" in log and "Traceback" not in log and "[ERROR]" not in log, log


def test_a_client_that_hangs_up_early_leaves_no_traceback(
    gateway: GatewayProcess, token: TokenFactory
) -> None:
    offset = gateway.stderr_path.stat().st_size
    port = int(gateway.api_url.rsplit(":", 1)[1])
    request = (
        f"GET /v1/tools?format=openai HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token('vehicle', 'vin-e2e-cli')}\r\n\r\n"
    ).encode()
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(request)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST on close
    with httpx.Client(base_url=gateway.api_url, timeout=30) as http:  # it still serves
        assert http.get("/v1/tools", headers={"Authorization": "Bearer x"}).status_code == 401
    time.sleep(0.3)
    log = _log_since(gateway, offset)
    assert "Traceback" not in log and "BrokenPipe" not in log and "ConnectionReset" not in log, log


def _chat(home: Path, *args: str, stdin: Any = subprocess.PIPE) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cockpit_dev.cli", "chat", *args],
        cwd=ROOT, env=_env(home), stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_chat_talks_and_quits_on_chinese_quit(gateway: GatewayProcess, cockpit_home: Path) -> None:
    child = _chat(cockpit_home, "--url", gateway.api_url, "--plain", "--locale", "zh-CN")
    out, err = child.communicate("电量还有多少\n退出\n电量还有多少\n", timeout=120)
    assert child.returncode == 0 and err == "", err
    assert out.count("driver    > ") == 1 and "电量23%" in out, out


def test_ctrl_c_in_chat_ends_it_quietly(gateway: GatewayProcess, cockpit_home: Path) -> None:
    child = _chat(cockpit_home, "--url", gateway.api_url)
    assert child.stdout is not None
    assert child.stdout.readline().startswith("session ses_")  # waiting for the driver now
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 0 and "Traceback" not in err and err == "", err


def test_chat_with_a_gateway_down_or_a_refused_token_is_one_line(
    gateway: GatewayProcess, cockpit_home: Path, token: TokenFactory
) -> None:
    down = _chat(cockpit_home, "--url", f"http://127.0.0.1:{free_port()}", stdin=subprocess.DEVNULL)
    out, err = down.communicate(timeout=60)
    assert down.returncode == 1 and out == "" and len(err.splitlines()) == 1, err
    assert "cannot reach" in err and "`make run`" in err
    expired = token("vehicle", "vin-e2e-cli", exp=int(time.time()) - 60)
    refused = _chat(cockpit_home, "--url", gateway.api_url, "--token", expired, stdin=subprocess.DEVNULL)
    out, err = refused.communicate(timeout=60)
    assert refused.returncode == 1 and out == "" and len(err.splitlines()) == 1, err
    assert "refused the token" in err and "`make token`" in err


def test_cockpit_token_into_head_prints_no_traceback(cockpit_home: Path) -> None:
    done = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m cockpit_dev.cli token --role vehicle --sub v | head -c1"],
        cwd=ROOT, env=_env(cockpit_home), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and len(done.stdout) == 1 and done.stderr == "", done.stderr
