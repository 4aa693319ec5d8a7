"""`cockpit contracts ...` builds the registry requests a partner means, with the partner's token, and
keeps the API key out of the command line (it comes from an environment variable)."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from cockpit.partners.signing import signature
from cockpit_dev.cli import main

EXAMPLE = Path(__file__).resolve().parents[3] / "contracts" / "examples" / "acme-parking.openapi.yaml"


class Recorder:
    def __init__(self, status: int = 201, answer: object | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.status, self.answer = status, answer if answer is not None else {"contract_id": "ctr_1"}

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            if self.status == 204:
                return httpx.Response(204)
            return httpx.Response(self.status, json=self.answer)

        return httpx.MockTransport(handle)


def test_register_posts_the_document_with_the_partners_choices(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ACME_KEY", "ak-from-env")
    recorder = Recorder()
    code = main(
        [
            "contracts",
            "--url",
            "http://gw.test/",
            "--token",
            "tok",
            "register",
            str(EXAMPLE),
            "--namespace",
            "acme_parking",
            "--base-url",
            "https://api.acme-parking.example/v2",
            "--operation",
            "searchSpots",
            "--operation",
            "createReservation",
            "--confirm",
            "createReservation",
            "--api-key-header",
            "X-Api-Key",
            "--api-key-env",
            "ACME_KEY",
            "--dry-run",
        ],
        transport=recorder.transport(),
    )
    assert code == 0 and json.loads(capsys.readouterr().out) == {"contract_id": "ctr_1"}
    (sent,) = recorder.requests
    assert (sent.method, str(sent.url)) == ("POST", "http://gw.test/v1/contracts?dry_run=true")
    assert sent.headers["authorization"] == "Bearer tok"
    body = json.loads(sent.content)
    assert body["namespace"] == "acme_parking" and body["display_name"] == "ACME Parking partner API"
    assert body["operations"] == ["searchSpots", "createReservation"]
    assert body["confirmation_required"] == ["createReservation"]
    assert body["auth"] == {"type": "api_key", "in": "header", "name": "X-Api-Key", "value": "ak-from-env"}
    assert body["openapi"] == EXAMPLE.read_text()


def test_register_with_contract_puts_a_new_version_and_a_refusal_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    recorder = Recorder(422, {"title": "Contract document invalid", "status": 422})
    code = main(
        [
            "contracts",
            "--token",
            "t",
            "register",
            str(EXAMPLE),
            "--namespace",
            "acme_parking",
            "--base-url",
            "https://x.example",
            "--contract",
            "ctr_9",
        ],
        transport=recorder.transport(),
    )
    assert code == 1 and recorder.requests[0].method == "PUT"
    assert recorder.requests[0].url.path == "/v1/contracts/ctr_9" and "422" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "method", "path", "status"),
    [
        (["list"], "GET", "/v1/contracts", 200),
        (["show", "ctr_7"], "GET", "/v1/contracts/ctr_7", 200),
        (["retire", "ctr_7"], "DELETE", "/v1/contracts/ctr_7", 204),
        (["approve", "ctr_7"], "POST", "/v1/contracts/ctr_7/approve", 200),
    ],
)
def test_list_show_retire(argv: list[str], method: str, path: str, status: int) -> None:
    recorder = Recorder(status, {"contracts": []})
    assert main(["contracts", "--token", "t", *argv], transport=recorder.transport()) == 0
    assert (recorder.requests[0].method, recorder.requests[0].url.path) == (method, path)


def test_approve_waives_confirmation_for_the_named_operations_only() -> None:
    recorder = Recorder(200, {"contracts": []})
    argv = [
        "contracts",
        "--token",
        "t",
        "approve",
        "ctr_7",
        "--waive",
        "createNote",
        "--waive",
        "DELETE /notes/{id}",
    ]
    assert main(argv, transport=recorder.transport()) == 0
    sent = json.loads(recorder.requests[0].content)
    assert sent == {"waive_confirmation": ["createNote", "DELETE /notes/{id}"]}
    main(["contracts", "--token", "t", "approve", "ctr_7"], transport=recorder.transport())
    assert recorder.requests[1].content == b""  # no waiver: no body, every write asks the driver


def test_no_token_or_no_key_is_said_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COCKPIT_TOKEN", raising=False)
    with pytest.raises(SystemExit, match="partner token"):
        main(["contracts", "list"], transport=Recorder().transport())
    monkeypatch.delenv("PARTNER_API_KEY", raising=False)
    with pytest.raises(SystemExit, match="PARTNER_API_KEY"):
        main(
            [
                "contracts",
                "--token",
                "t",
                "register",
                str(EXAMPLE),
                "--namespace",
                "a_b",
                "--base-url",
                "https://x.example",
                "--api-key-query",
                "key",
            ],
            transport=Recorder().transport(),
        )


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.yaml", None, "No such file or directory"),
        ("folder", "dir", "Is a directory"),
        ("binary.yaml", b"\xef\x00\xff\xfe", "it is not UTF-8 text"),
    ],
)
def test_a_document_that_cannot_be_read_is_one_line_and_nothing_is_sent(
    name: str, content: bytes | str | None, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    recorder = Recorder()
    argv = [
        "contracts",
        "--token",
        "t",
        "register",
        str(path),
        "--namespace",
        "a_b",
        "--base-url",
        "https://x.example",
    ]
    assert main(argv, transport=recorder.transport()) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"cockpit: cannot read the OpenAPI document {path}: {reason}"), err
    assert err.count("\n") == 1 and "Traceback" not in err and recorder.requests == []


@pytest.mark.parametrize("argv", [["list"], ["show", "ctr_7"], ["retire", "ctr_7"], ["register", str(EXAMPLE),
                                   "--namespace", "a_b", "--base-url", "https://x.example"]])  # fmt: skip
def test_a_refused_token_is_one_line_that_says_make_token(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    problem = {
        "status": 401,
        "detail": "A valid bearer token is required. Local development: `make token` ...",
    }
    assert main(["contracts", "--token", "expired", *argv], transport=Recorder(401, problem).transport()) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1, (out, err)
    assert err.startswith("cockpit: the gateway refused the token (A valid bearer token is required.)")
    assert "`make token`" in err


def test_connection_options_work_before_and_after_the_action(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COCKPIT_TOKEN", raising=False)
    recorder = Recorder(200, {"contracts": []})
    assert (
        main(["contracts", "list", "--token", "after", "--url", "http://gw.test"], recorder.transport()) == 0
    )
    argv = ["contracts", "--token", "before", "show", "ctr_7", "--url", "http://other.test"]
    assert main(argv, transport=recorder.transport()) == 0
    argv = ["contracts", "--token", "before", "retire", "ctr_7", "--token", "wins"]
    assert main(argv, transport=recorder.transport()) == 0
    first, second, third = recorder.requests
    assert (first.url.host, first.headers["authorization"]) == ("gw.test", "Bearer after")
    assert (second.url.host, second.headers["authorization"]) == ("other.test", "Bearer before")
    assert third.headers["authorization"] == "Bearer wins"


class Registry(Recorder):
    """POST answers `status`; GET /v1/contracts lists `listed`."""

    def __init__(self, status: int, answer: dict[str, object], listed: list[dict[str, str]]) -> None:
        super().__init__(status, answer)
        self.listed = listed

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            if request.method == "GET":
                return httpx.Response(200, json={"contracts": self.listed})
            return httpx.Response(self.status, json=self.answer)

        return httpx.MockTransport(handle)


REGISTER = ["contracts", "register", str(EXAMPLE), "--namespace", "acme_parking", "--base-url",
            "https://x.example", "--token", "t"]  # fmt: skip
TAKEN = {"status": 409, "title": "Conflict", "detail": "namespace 'acme_parking' is taken"}


def test_registering_twice_says_how_to_publish_a_new_version(capsys: pytest.CaptureFixture[str]) -> None:
    mine = [{"contract_id": "ctr_abc", "namespace": "acme_parking", "status": "active"}]
    assert main(REGISTER, transport=Registry(409, TAKEN, mine).transport()) == 1
    err = capsys.readouterr().err
    assert "ctr_abc" in err and "--contract ctr_abc" in err and "new version" in err
    assert main(REGISTER, transport=Registry(409, TAKEN, []).transport()) == 1
    assert "choose another --namespace" in capsys.readouterr().err


def _snippet_from(notice: str) -> str:
    body = notice.split("(Python):\n", 1)[1]
    return textwrap.dedent(body)


def test_the_signing_key_is_shown_once_with_a_snippet_that_verifies_a_signed_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = "k3y-" + "x" * 40
    answer = {"contract_id": "ctr_abc", "version": 1, "status": "active", "signing": {"key": key}}
    assert main(REGISTER, transport=Registry(201, answer, []).transport()) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["signing"]["key"] == key  # scripts still read the answer
    assert "shown once — store it now" in captured.err and key in captured.err
    namespace: dict[str, object] = {}
    exec(_snippet_from(captured.err), namespace)  # noqa: S102 - the printed snippet, as a partner runs it
    check = namespace["cockpit_signature_ok"]
    assert callable(check)
    body, target, now = b'{"spot_id":"s1"}', "/v2/reservations?x=%20y", int(time.time())
    headers = {"X-Cockpit-Timestamp": str(now), "X-Cockpit-Signature": signature(key.encode(), "POST", target,
                                                                                 now, body)}  # fmt: skip
    assert check(key, "POST", target, headers, body) is True
    assert check(key, "POST", target, headers, body + b" ") is False
    assert check("other", "POST", target, headers, body) is False
    stale = {**headers, "X-Cockpit-Timestamp": str(now - 600)}
    stale["X-Cockpit-Signature"] = signature(key.encode(), "POST", target, now - 600, body)
    assert check(key, "POST", target, stale, body) is False
