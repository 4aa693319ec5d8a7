"""The authorizer's token checks: signature, alg pinning, iss, aud, exp/nbf, claims."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from authorizer import handler, wiring
from authorizer.verifier import InvalidToken, Verifier
from cockpit_dev import devkeys

ISS, AUD = devkeys.DEV_ISSUER, devkeys.DEV_AUDIENCE


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def verifier(keys: Path) -> Verifier:
    return Verifier.from_jwks(issuer=ISS, audience=AUD, jwks_json=json.dumps(devkeys.jwks(keys)))


def claims(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": "vin-1",
        "role": "vehicle",
        "iss": ISS,
        "aud": AUD,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    } | over


def b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def test_valid_token_gives_sub_and_role(verifier: Verifier, keys: Path) -> None:
    caller = verifier.verify("Bearer " + devkeys.token("partner", "acme", folder=keys))
    assert (caller.sub, caller.role.value) == ("acme", "partner")


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"exp": int(time.time()) - 120}, "ExpiredSignatureError"),
        ({"nbf": int(time.time()) + 600}, "ImmatureSignatureError"),
        ({"aud": "someone-else"}, "InvalidAudienceError"),
        ({"iss": "https://evil.example"}, "InvalidIssuerError"),
        ({"role": "superuser"}, "sub or role claim not acceptable"),
    ],
)
def test_bad_claims_are_refused(verifier: Verifier, keys: Path, over: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidToken, match=reason):
        verifier.verify("Bearer " + devkeys.sign(claims(**over), folder=keys))


def test_missing_required_claim_is_refused(verifier: Verifier, keys: Path) -> None:
    no_exp = claims()
    del no_exp["exp"]
    with pytest.raises(InvalidToken, match="MissingRequiredClaimError"):
        verifier.verify("Bearer " + devkeys.sign(no_exp, folder=keys))


def test_small_clock_skew_is_tolerated(verifier: Verifier, keys: Path) -> None:
    token = devkeys.sign(claims(exp=int(time.time()) - 10), folder=keys)
    assert verifier.verify("Bearer " + token).sub == "vin-1"


def test_token_signed_by_another_key_is_refused(verifier: Verifier, tmp_path: Path) -> None:
    other = tmp_path / "other"
    token = devkeys.sign(claims(), folder=other)  # same kid format, different key
    with pytest.raises(InvalidToken):
        verifier.verify("Bearer " + token)


def test_alg_none_is_refused(verifier: Verifier) -> None:
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims())}."
    with pytest.raises(InvalidToken, match="alg 'none' not accepted"):
        verifier.verify("Bearer " + token)


def test_hs256_signed_with_the_public_key_is_refused(verifier: Verifier, keys: Path) -> None:
    public_pem = serialization.load_pem_private_key((keys / devkeys.KEY_FILE).read_bytes(), None).public_key()
    secret = public_pem.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header, payload = b64({"alg": "HS256", "typ": "JWT"}), b64(claims())
    import hashlib
    import hmac

    sig = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    token = f"{header}.{payload}.{base64.urlsafe_b64encode(sig).rstrip(b'=').decode()}"
    with pytest.raises(InvalidToken, match="alg 'HS256' not accepted"):
        verifier.verify("Bearer " + token)


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer not-a-jwt"])
def test_missing_or_malformed_authorization_is_refused(verifier: Verifier, header: str | None) -> None:
    with pytest.raises(InvalidToken):
        verifier.verify(header)


def test_unknown_kid_is_refused(verifier: Verifier) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims(), key, algorithm="RS256", headers={"kid": "nope"})
    with pytest.raises(InvalidToken, match="no key with this kid"):
        verifier.verify("Bearer " + token)


def test_jwks_url_must_be_https() -> None:
    with pytest.raises(ValueError, match=r"JwksUrl \(JWKS_URL\) must be https"):
        Verifier.from_jwks(issuer=ISS, audience=AUD, jwks_url="http://keys.example/jwks.json")


def test_a_jwks_source_is_required() -> None:
    with pytest.raises(ValueError, match="JWKS_JSON or JWKS_URL"):
        Verifier.from_jwks(issuer=ISS, audience=AUD)


class TestAuthorizerHandler:
    ARN = "arn:aws:execute-api:us-east-1:000000000000:abc123/live/POST/v1/tools/charging_find_stations/invoke"

    @pytest.fixture(autouse=True)
    def env(self, monkeypatch: pytest.MonkeyPatch, keys: Path) -> None:
        monkeypatch.setenv("JWKS_JSON", json.dumps(devkeys.jwks(keys)))
        monkeypatch.setenv("JWT_ISSUER", ISS)
        monkeypatch.setenv("JWT_AUDIENCE", AUD)

    def test_allow_policy_covers_the_whole_api_and_carries_the_caller(self, keys: Path) -> None:
        token = devkeys.token("vehicle", "vin-42", folder=keys)
        out = handler.lambda_handler(
            {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": self.ARN}, None
        )
        assert out["principalId"] == "vin-42"
        exp = jwt.decode(token, options={"verify_signature": False})["exp"]
        assert out["context"] == {"sub": "vin-42", "role": "vehicle", "exp": exp}  # exp: cached policies
        (statement,) = out["policyDocument"]["Statement"]
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] == "arn:aws:execute-api:us-east-1:000000000000:abc123/live/*/*"

    def test_refusal_is_api_gateways_unauthorized(self) -> None:
        with pytest.raises(Exception, match=r"^Unauthorized$"):
            handler.lambda_handler(
                {"type": "TOKEN", "authorizationToken": "Bearer x.y.z", "methodArn": self.ARN}, None
            )

    def test_missing_configuration_fails_loudly(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from cockpit.errors import ConfigurationError
        from cockpit.settings import reset_container

        monkeypatch.delenv("JWT_ISSUER")
        reset_container()
        with pytest.raises(ConfigurationError, match="JWT_ISSUER"):
            wiring.verifier()


def proxy_event(**authorizer: Any) -> dict[str, Any]:
    return {"httpMethod": "GET", "resource": "/whoami", "path": "/whoami",
            "requestContext": {"requestId": "r-1", "authorizer": authorizer}}  # fmt: skip


@pytest.mark.parametrize(
    ("exp", "status"),
    [
        (None, 200),  # a sample event (the gateway's authorizer always names exp)
        (lambda now: now + 600, 200),
        (lambda now: now - 20, 200),  # inside the 30 s leeway
        (lambda now: now - 31, 401),  # past it: refused though API Gateway still caches the policy
        (lambda now: "soon", 401),
    ],
)
def test_every_function_refuses_a_cached_authorization_past_exp_and_leeway(exp: Any, status: int) -> None:
    from cockpit.api import Api

    api = Api("t")

    @api.route("GET", "/whoami", summary="who", roles=None)
    def whoami(request: Any) -> bytes:
        return request.caller.sub.encode()

    context: dict[str, Any] = {"sub": "vin-1", "role": "vehicle"}
    if exp is not None:
        context["exp"] = str(exp(int(time.time())))  # API Gateway hands context values over as strings
    out = api(proxy_event(**context))
    assert out["statusCode"] == status, out
    if status == 401:
        assert json.loads(out["body"])["type"].endswith("/unauthorized")


# Values the template's JwksJson AllowedPattern lets through (deploy succeeds), which no key can come of.
UNUSABLE_JWKS = {
    "a key without fields": '{"keys": [{}]}',
    "an RSA key that is no key": '{"keys": [{"kty": "RSA", "kid": "k1", "n": "AQAB", "e": "AQAB"}]}',
    "only a symmetric key": '{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}',
    "not JSON": '{"keys": [{"kty": "RSA", "n": "x"',
}


def _rsa_jwk(alg: str) -> dict[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key)), "alg": alg, "kid": "k1"}


@pytest.mark.parametrize("value", list(UNUSABLE_JWKS.values()), ids=list(UNUSABLE_JWKS))
def test_an_unusable_inline_jwks_fails_naming_the_parameter(value: str) -> None:
    from cockpit_dev import stack

    template = stack.load(Path(__file__).resolve().parents[2] / "template.yaml")
    assert stack.parameter_problems(template, {"JwksJson": value}) == []  # the deploy cannot tell
    with pytest.raises(ValueError, match=r"^JwksJson \(JWKS_JSON\)"):
        Verifier.from_jwks(issuer=ISS, audience=AUD, jwks_json=value)


def test_a_jwks_without_an_rs256_key_fails_naming_the_parameter() -> None:
    with pytest.raises(ValueError, match=r"^JwksJson \(JWKS_JSON\) has no RSA key for RS256"):
        Verifier.from_jwks(issuer=ISS, audience=AUD, jwks_json=json.dumps({"keys": [_rsa_jwk("RS512")]}))
    usable = Verifier.from_jwks(issuer=ISS, audience=AUD, jwks_json=json.dumps({"keys": [_rsa_jwk("RS256")]}))
    assert usable.jwks is not None


def test_the_first_call_with_an_unusable_jwks_fails_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWKS_JSON", UNUSABLE_JWKS["a key without fields"])
    monkeypatch.setenv("JWT_ISSUER", ISS)
    monkeypatch.setenv("JWT_AUDIENCE", AUD)
    event = {"type": "TOKEN", "authorizationToken": "Bearer a.b.c", "methodArn": TestAuthorizerHandler.ARN}
    with pytest.raises(ValueError, match="JwksJson"):  # not a 401 for every token: the log names the fix
        handler.lambda_handler(event, None)


@pytest.mark.parametrize(
    "served",
    [
        jwt.PyJWKClientConnectionError("Fail to fetch data from the url, err: timed out"),  # unreachable
        {"keys": []},  # reachable, empty
        {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]},  # no signing key of ours
    ],
)
def test_a_jwks_url_that_gives_no_keys_is_logged_naming_it_each_token_refused(
    keys: Path, served: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Deployed with a JwksUrl that cannot be read, every token is refused (401, never a 5xx); the log
    says an error naming JwksUrl, which an operator can act on, not only 'PyJWKClientError'."""
    verifier = Verifier.from_jwks(issuer=ISS, audience=AUD, jwks_url="https://keys.example/jwks.json")
    assert verifier.jwks_client is not None

    def fetch() -> Any:
        if isinstance(served, Exception):
            raise served
        return served

    monkeypatch.setattr(verifier.jwks_client, "fetch_data", fetch)
    with pytest.raises(InvalidToken):
        verifier.verify("Bearer " + devkeys.token("vehicle", "vin-1", folder=keys))
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("ERROR", "JwksUrl (JWKS_URL) gives no usable keys: every token is refused")
    ]


def test_a_token_whose_kid_the_jwks_url_lacks_is_refused_without_an_error(
    keys: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A key set that reads well but lacks the token's kid is the token's fault: no operator error."""
    verifier = Verifier.from_jwks(issuer=ISS, audience=AUD, jwks_url="https://keys.example/jwks.json")
    assert verifier.jwks_client is not None
    served = devkeys.jwks(keys)
    for key in served["keys"]:
        key["kid"] = "another-kid"
    monkeypatch.setattr(verifier.jwks_client, "fetch_data", lambda: served)
    with pytest.raises(InvalidToken):
        verifier.verify("Bearer " + devkeys.token("vehicle", "vin-1", folder=keys))
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
