"""The request signature and the pseudonymous subject, checked by an independent verifier."""

from __future__ import annotations

import hashlib
import hmac

from cockpit.partners.signing import canonical, pseudonym, signature
from tests.support.partners import verify_signature

KEY = "contract-signing-key"


def test_the_signature_verifies_independently_and_covers_every_signed_part() -> None:
    target, body, ts = "/v2/spots?near=31.2,121.4&features=ev,covered", b'{"a":1}', 1795594000
    sig = signature(KEY.encode(), "post", target, ts, body)
    headers = {"x-cockpit-timestamp": str(ts), "x-cockpit-signature": sig}
    assert verify_signature(KEY, "POST", target, headers, body).ok
    assert not verify_signature(KEY, "GET", target, headers, body).ok
    assert not verify_signature(KEY, "POST", target + "&x=1", headers, body).ok
    assert not verify_signature(KEY, "POST", target, headers, b'{"a":2}').ok
    assert not verify_signature(KEY, "POST", target, {**headers, "x-cockpit-timestamp": str(ts + 1)}, body).ok
    assert not verify_signature("other", "POST", target, headers, body).ok


def test_the_canonical_string_is_the_documented_one() -> None:
    empty = hashlib.sha256(b"").hexdigest()
    assert canonical("get", "/v2/spots/a%2Fb", 7, b"") == f"v1\nGET\n/v2/spots/a%2Fb\n7\n{empty}".encode()
    mac = hmac.new(b"k", f"v1\nGET\n/x\n7\n{empty}".encode(), hashlib.sha256).hexdigest()
    assert signature(b"k", "GET", "/x", 7, b"") == "v1=" + mac


def test_pseudonyms_are_stable_per_vehicle_and_partner_and_never_the_sub() -> None:
    key = b"gateway-subject-key"
    a = pseudonym(key, "partner-acme", "vin-LSVAU2180N2183294")
    assert a == pseudonym(key, "partner-acme", "vin-LSVAU2180N2183294")
    assert a != pseudonym(key, "partner-wash", "vin-LSVAU2180N2183294")  # unlinkable across partners
    assert a != pseudonym(key, "partner-acme", "vin-other")
    assert a != pseudonym(b"rotated", "partner-acme", "vin-LSVAU2180N2183294")
    assert a.startswith("psn_") and len(a) == 36 and "LSVAU" not in a
