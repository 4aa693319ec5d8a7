"""The local Lambda Invoke API's own credential: only the runtime's workers (and whoever can read its
`.cockpit/` folder) may invoke a function, as only a principal with `lambda:InvokeFunction` may in AWS.

The credential is generated once per `.cockpit/` home (`lambda-credentials.json`, readable by its
owner only) and given to every worker as the AWS credentials its boto3 clients sign with. Each Invoke
must carry a SigV4 signature by that key: the access key id is compared, then the signature is
recomputed with botocore's own SigV4 code over the request as received, and its X-Amz-Date must be
within `MAX_SKEW_S` of now. moto accepts any credentials, so the same pair serves the AWS endpoint.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CREDENTIALS_FILE = "lambda-credentials.json"
MAX_SKEW_S = 300  # AWS refuses a signature more than 5 minutes from its clock
_ALGORITHM = "AWS4-HMAC-SHA256"


@dataclass(frozen=True)
class LocalCredential:
    access_key_id: str
    secret_access_key: str

    def environment(self) -> dict[str, str]:
        """The variables a worker's boto3 clients read (no session token: a long-term key)."""
        return {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key}


def credential(folder: Path) -> LocalCredential:
    """The home's credential, made on first use (atomically: two first starts agree on one)."""
    path = folder / CREDENTIALS_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        made = {
            # not 12 digits (moto would take it for an account id); AKIA-like, recognisably local
            "access_key_id": "CKPLOCAL" + secrets.token_hex(6).upper(),
            "secret_access_key": secrets.token_urlsafe(30),
        }
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(made, out)
        os.replace(tmp, path)
    saved = json.loads(path.read_text())
    return LocalCredential(str(saved["access_key_id"]), str(saved["secret_access_key"]))


class Refused(Exception):
    """The request is not signed by the runtime's credential. `error_type` is AWS's name for why."""

    def __init__(self, error_type: str, detail: str) -> None:
        super().__init__(detail)
        self.error_type = error_type
        self.detail = detail


def verify(
    expected: LocalCredential,
    *,
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
    now: datetime | None = None,
) -> None:
    """Raises Refused unless `headers` (lower-cased names) carry a valid SigV4 signature of this
    request by `expected`, for the lambda service, dated within MAX_SKEW_S of `now`."""
    fields = _authorization(headers.get("authorization", ""))
    scope = fields.get("Credential", "").split("/")
    if len(scope) != 5 or scope[3] != "lambda" or scope[4] != "aws4_request":
        raise Refused("IncompleteSignatureException", "the request is not signed with SigV4 for lambda")
    if not hmac.compare_digest(scope[0].encode(), expected.access_key_id.encode()):
        raise Refused(
            "UnrecognizedClientException",
            "the access key is not this runtime's; use the credentials in .cockpit/" + CREDENTIALS_FILE,
        )
    stamp = headers.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(stamp, SIGV4_TIMESTAMP).replace(tzinfo=UTC)
    except ValueError:
        raise Refused("IncompleteSignatureException", "X-Amz-Date is missing or malformed") from None
    if abs(((now or datetime.now(UTC)) - signed_at).total_seconds()) > MAX_SKEW_S or stamp[:8] != scope[1]:
        raise Refused("InvalidSignatureException", "the signature is expired or not yet valid")
    signed = [name for name in fields.get("SignedHeaders", "").split(";") if name]
    if "host" not in signed or "x-amz-date" not in signed or any(name not in headers for name in signed):
        raise Refused("IncompleteSignatureException", "the signature must cover Host and X-Amz-Date")
    request = AWSRequest(
        method=method,
        url=f"http://{headers['host']}{target}",
        headers={name: headers[name] for name in signed},
        data=body,
    )
    request.context["timestamp"] = stamp
    signer = SigV4Auth(Credentials(expected.access_key_id, expected.secret_access_key), "lambda", scope[2])
    canonical = signer.canonical_request(request)
    wanted = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(wanted.encode(), fields.get("Signature", "").encode()):
        raise Refused("InvalidSignatureException", "the request signature does not match")


def _authorization(value: str) -> dict[str, str]:
    """`AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` as a dict ({} if not that)."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != _ALGORITHM:
        return {}
    parts = (part.strip().partition("=") for part in rest.split(","))
    return {name: found for name, _, found in parts if name}
