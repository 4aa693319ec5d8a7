"""The local Lambda API's credential: made once per home, owner-only; a SigV4 signature by it, and only
that, passes (signed here by botocore as a boto3 client signs; the real client is in the integration
suite)."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from cockpit_dev.lambda_auth import CREDENTIALS_FILE, LocalCredential, Refused, credential, verify

KEY = LocalCredential("CKPLOCAL0123456789AB", "the-runtime-secret")
TARGET = "/2015-03-31/functions/PaymentsFunction/invocations"
BODY = b'{"kind": "confirm_payment"}'


def signed(key: LocalCredential = KEY, body: bytes = BODY, region: str = "us-east-1") -> dict[str, str]:
    request = AWSRequest(
        method="POST", url=f"http://127.0.0.1:3001{TARGET}", data=body,
        headers={"X-Amz-Invocation-Type": "RequestResponse"},
    )  # fmt: skip
    SigV4Auth(Credentials(key.access_key_id, key.secret_access_key), "lambda", region).add_auth(request)
    headers = {name.lower(): str(value) for name, value in request.headers.items()}
    return {**headers, "host": "127.0.0.1:3001"}


def refusal(headers: dict[str, str], body: bytes = BODY, **kw: datetime) -> str:
    with pytest.raises(Refused) as refused:
        verify(KEY, method="POST", target=TARGET, headers=headers, body=body, **kw)
    return refused.value.error_type


def test_the_credential_is_made_once_per_home_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    first = credential(tmp_path / "home")
    assert credential(tmp_path / "home") == first
    assert credential(tmp_path / "other") != first
    assert stat.S_IMODE((tmp_path / "home" / CREDENTIALS_FILE).stat().st_mode) == 0o600
    assert not first.access_key_id.isdigit() and len(first.secret_access_key) >= 40


def test_a_request_signed_with_the_runtimes_key_passes_in_any_region() -> None:
    verify(KEY, method="POST", target=TARGET, headers=signed(), body=BODY)
    verify(KEY, method="POST", target=TARGET, headers=signed(region="eu-west-1"), body=BODY)


def test_unsigned_and_foreign_requests_are_refused() -> None:
    assert refusal({"host": "127.0.0.1:3001"}) == "IncompleteSignatureException"
    assert refusal(signed(LocalCredential("testing", "testing"))) == "UnrecognizedClientException"
    stolen_id = LocalCredential(KEY.access_key_id, "guessed")
    assert refusal(signed(stolen_id)) == "InvalidSignatureException"


def test_a_signature_covers_the_payload_and_the_headers_it_names() -> None:
    assert refusal(signed(), body=b'{"kind": "refund"}') == "InvalidSignatureException"
    moved = {**signed(), "x-amz-invocation-type": "Event"}
    assert refusal(moved) == "InvalidSignatureException"
    without_date = {k: v for k, v in signed().items() if k != "x-amz-date"}
    assert refusal(without_date) == "IncompleteSignatureException"


def test_an_old_signature_is_refused() -> None:
    later = datetime.now(UTC) + timedelta(minutes=6)
    assert refusal(signed(), now=later) == "InvalidSignatureException"
