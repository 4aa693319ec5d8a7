"""Outbound auth for partner calls: an API key in a header or the query, or an OAuth2 client-credentials
access token cached per container until shortly before it expires (a 401 from the partner drops it)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from cockpit import deadline
from cockpit.errors import UpstreamError, UpstreamTimeout
from cockpit.partners.deadline import within
from cockpit.partners.model import ApiKeyAuth, OAuth2ClientCredentials, OutboundAuth
from cockpit.partners.netguard import AddressRefused, check_url, parse_target
from cockpit.partners.request import OutboundRequest
from cockpit.partners.secrets import SecretFields
from cockpit.partners.transport import BodyEncoded, BodyTooLarge, read_capped

REFRESH_MARGIN_S = 30.0  # a token this close to expiry is renewed before use
DEFAULT_LIFETIME_S = 300.0  # when the token endpoint names no expires_in
TOKEN_TIMEOUT_S = 5.0  # the whole exchange: connect, send, headers and body
MAX_TOKEN_BYTES = 64 * 1024
_TokenKey = tuple[str, str, tuple[str, ...]]


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: float


class OutboundAuthenticator:
    def __init__(
        self,
        secrets: SecretFields,
        client: httpx.Client,
        *,
        dev_mode: bool = False,
        clock: Callable[[], float] = time.monotonic,
        token_timeout_s: float = TOKEN_TIMEOUT_S,
    ) -> None:
        self._secrets = secrets
        self._client = client
        self._dev_mode = dev_mode
        self._clock = clock
        self._token_timeout_s = token_timeout_s
        self._tokens: dict[_TokenKey, _Token] = {}
        self.token_requests = 0

    def apply(self, request: OutboundRequest, auth: OutboundAuth) -> None:
        if isinstance(auth, ApiKeyAuth):
            key = self._secrets.field(auth.secret_arn, "value")
            if auth.location == "header":  # the only header of that name, whatever its case
                for name in [n for n in request.headers if n.lower() == auth.name.lower()]:
                    del request.headers[name]
                request.headers[auth.name] = key
            else:
                request.add_query(auth.name, key)
        elif isinstance(auth, OAuth2ClientCredentials):
            request.headers["Authorization"] = "Bearer " + self._token(auth)

    def invalidate(self, auth: OutboundAuth) -> bool:
        """Forget the cached token (the partner answered 401); True when there was one to forget."""
        if isinstance(auth, OAuth2ClientCredentials):
            return self._tokens.pop(_key(auth), None) is not None
        return False

    def _token(self, auth: OAuth2ClientCredentials) -> str:
        found = self._tokens.get(_key(auth))
        if found is not None and self._clock() < found.expires_at - REFRESH_MARGIN_S:
            return found.value
        token = self._fetch(auth)
        self._tokens[_key(auth)] = token
        return token.value

    def _fetch(self, auth: OAuth2ClientCredentials) -> _Token:
        try:
            if parse_target(auth.token_url, dev_mode=self._dev_mode).scheme == "http":
                check_url(auth.token_url, dev_mode=self._dev_mode)  # plain http: loopback only
        except AddressRefused as exc:
            raise UpstreamError(f"the partner's token endpoint is not callable: {exc}") from None
        form = {"grant_type": "client_credentials"}
        if auth.scopes:
            form["scope"] = " ".join(auth.scopes)
        secret = self._secrets.field(auth.secret_arn, "client_secret")
        started = self._clock()
        self.token_requests += 1
        allowed = deadline.budget(self._token_timeout_s, "the partner's token endpoint")  # the invocation's
        request = self._client.build_request(
            "POST", auth.token_url, data=form, timeout=allowed,
            headers={"Accept": "application/json", "Accept-Encoding": "identity"},
        )  # fmt: skip
        with within(allowed):  # the whole exchange, however slowly the endpoint drips
            status, raw = self._exchange(request, (auth.client_id, secret))
        if status != 200:
            raise UpstreamError(f"the partner's token endpoint answered {status}")
        try:
            doc = json.loads(raw)
            value = doc["access_token"]
            lifetime = float(doc.get("expires_in") or DEFAULT_LIFETIME_S)
        except (ValueError, KeyError, TypeError, RecursionError):
            raise UpstreamError("the partner's token endpoint answered no access_token") from None
        if not isinstance(value, str) or not value:
            raise UpstreamError("the partner's token endpoint answered no access_token")
        return _Token(value=value, expires_at=started + lifetime)

    def _exchange(self, request: httpx.Request, basic: tuple[str, str]) -> tuple[int, bytes]:
        """The status and at most `MAX_TOKEN_BYTES` of body (more is refused, not read)."""
        try:
            answer = self._client.send(request, stream=True, auth=basic)
            try:
                return answer.status_code, read_capped(answer, MAX_TOKEN_BYTES)
            except BodyTooLarge:
                raise UpstreamError("the partner's token endpoint answered more than 64 KiB") from None
            except BodyEncoded:
                raise UpstreamError("the partner's token endpoint answered a compressed body") from None
            finally:
                answer.close()
        except httpx.TimeoutException:
            raise UpstreamTimeout("the partner's token endpoint did not answer in time") from None
        except AddressRefused as exc:
            raise UpstreamError(f"the partner's token endpoint is not callable: {exc}") from None
        except httpx.HTTPError as exc:
            raise UpstreamError(
                f"the partner's token endpoint is unreachable ({type(exc).__name__})"
            ) from None


def _key(auth: OAuth2ClientCredentials) -> _TokenKey:
    return (auth.token_url, auth.client_id, auth.scopes)
