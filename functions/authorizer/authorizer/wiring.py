"""Builds the authorizer's verifier from settings, once per container: the issuer, audience and keys."""

from __future__ import annotations

from authorizer.settings import AuthorizerSettings
from authorizer.verifier import Verifier
from cockpit.settings import get_settings, once_per_container


def build(settings: AuthorizerSettings) -> Verifier:
    s = settings
    return Verifier.from_jwks(
        issuer=s.issuer, audience=s.audience, jwks_json=s.jwks_json, jwks_url=s.jwks_url
    )


@once_per_container
def verifier() -> Verifier:
    return build(get_settings(AuthorizerSettings))
