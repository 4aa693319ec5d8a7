"""A running `cockpit run` picks up edited function code: its workers restart on the change."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx

from tests.support import localfn
from tests.support.local_gateway import launch

EDIT = """

_unedited = lambda_handler


def lambda_handler(event, context):  # added by the test while the gateway runs
    answer = _unedited(event, context)
    answer.setdefault("headers", {})["X-Edited"] = "yes"
    return answer
"""


def _wait_for(http: httpx.Client, edited: bool, timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        answer = http.get("/open")
        if ("x-edited" in answer.headers) == edited or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def test_an_edit_to_a_function_is_served_without_a_restart(tmp_path: Path) -> None:
    app = tmp_path / "localfn"
    shutil.copytree(localfn.TEMPLATE.parent, app, ignore=shutil.ignore_patterns("__pycache__"))
    handler = app / "app" / "localfn_app" / "handler.py"
    gateway = launch(home=tmp_path / "home", log_dir=tmp_path / "logs", template=app / "template.yaml")
    try:
        with httpx.Client(base_url=gateway.api_url, timeout=15) as http:
            before = http.get("/open")
            assert before.status_code == 200 and "x-edited" not in before.headers, gateway.output()
            handler.write_text(handler.read_text() + EDIT)
            after = _wait_for(http, edited=True)
            assert after.status_code == 200 and after.headers["x-edited"] == "yes", gateway.output()
            handler.write_text(handler.read_text().replace(EDIT, ""))  # and back
            assert "x-edited" not in _wait_for(http, edited=False).headers, gateway.output()
    finally:
        assert gateway.stop() == 0, gateway.output()
    log = gateway.stderr_path.read_text()
    assert "localfn_app/handler.py): restarting the function workers" in log, log
