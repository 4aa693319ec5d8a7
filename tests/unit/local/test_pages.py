"""The local runtime's pages (head unit, partner console, API docs): files, content types, caching, the CSP,
and the development token that only the loopback host's own pages get."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from cockpit_dev import pages
from cockpit_dev.pages import CSP, DOCS_CSP, UI, Pages

PORT = 3000
SIGNED: list[tuple[str, str, int]] = []


def site() -> Pages:
    def token(role: str, sub: str, ttl: int) -> str:
        SIGNED.append((role, sub, ttl))
        return f"signed-{role}-{sub}"

    return Pages(PORT, token)


def get(target: str, **headers: str) -> pages.PageResponse:
    headers.setdefault("Host", f"127.0.0.1:{PORT}")
    named = {k.replace("_", "-").lower(): v for k, v in headers.items()}
    return site().serve(target, lambda name: named.get(name.lower()))


def header(response: pages.PageResponse, name: str) -> str | None:
    return next((v for k, v in response.headers if k.lower() == name.lower()), None)


@pytest.mark.parametrize(("path", "csp"), [("/", CSP), ("/console/", CSP), ("/v1/docs", DOCS_CSP)])
def test_each_page_is_html_with_its_csp_and_revalidated(path: str, csp: str) -> None:
    page = get(path)
    assert page.status == 200 and header(page, "Content-Type") == "text/html; charset=utf-8"
    assert header(page, "Content-Security-Policy") == csp and "'unsafe-eval'" not in csp
    assert header(page, "Cache-Control") == "no-cache" and header(page, "X-Content-Type-Options") == "nosniff"
    assert re.fullmatch(r'"[0-9a-f]{32}"', header(page, "ETag") or "")


def test_nothing_is_loaded_from_another_origin() -> None:
    """No CDN, no tiles, no fonts from elsewhere: every src/href in our files is this origin's."""
    ours = [p for p in UI.rglob("*") if p.suffix in (".html", ".js", ".css") and "vendor" not in p.parts]
    assert len(ours) >= 8
    for path in ours:
        text = path.read_text(encoding="utf-8")
        for url in re.findall(r"""(?:src|href|url)\s*[=(]\s*["']?([^"')\s>]+)""", text):
            assert url.startswith(("/", "data:", "#")), f"{path.name} loads {url}"
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "").replace(
            "http://127.0.0.1:8081/v2", ""
        ), path.name
    assert "script-src 'self';" in CSP and "connect-src 'self'" in CSP and "default-src 'none'" in CSP


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/ui/api.js", "text/javascript; charset=utf-8"),
        ("/ui/head-unit/head-unit.css", "text/css; charset=utf-8"),
        ("/ui/console/console.js", "text/javascript; charset=utf-8"),
    ],
)
def test_our_assets_have_their_content_type_and_are_revalidated(path: str, content_type: str) -> None:
    asset = get(path)
    assert asset.status == 200 and header(asset, "Content-Type") == content_type
    assert header(asset, "Cache-Control") == "no-cache" and header(asset, "Content-Security-Policy") is None
    again = get(path, If_None_Match=header(asset, "ETag") or "")
    assert again.status == 304 and again.body == b""


def test_vendored_assets_are_immutable_and_exactly_the_pinned_package() -> None:
    manifest = json.loads((UI / "vendor" / "manifest.json").read_text())
    assert manifest["package"] == "swagger-ui-dist" and manifest["version"] == "5.35.0"
    folder = UI / "vendor" / f"swagger-ui-dist-{manifest['version']}"
    assert {p.name for p in folder.iterdir()} == set(manifest["sha256"])
    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, f"{name} was edited"
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        asset = get(f"/ui/vendor/swagger-ui-dist-{manifest['version']}/{name}")
        assert asset.status == 200 and hashlib.sha256(asset.body).hexdigest() == manifest["sha256"][name]
        assert header(asset, "Cache-Control") == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path", ["/ui/../pages.py", "/ui/%2e%2e/pages.py", "/ui/nothing.js", "/ui/head-unit/", "/ui/x.py"]
)
def test_only_ui_files_are_served(path: str) -> None:
    assert get(path).status == 404


def test_redirects_keep_the_query() -> None:
    moved = get("/console?x=1")
    assert moved.status == 308 and header(moved, "Location") == "/console/?x=1"
    assert header(get("/v1/docs/"), "Location") == "/v1/docs"


def test_only_get_and_head_on_page_paths_others_go_to_the_api() -> None:
    site_ = site()
    assert (
        site_.handles("GET", "/") and site_.handles("HEAD", "/v1/docs") and site_.handles("GET", "/ui/api.js")
    )
    assert not site_.handles("POST", "/") and not site_.handles("GET", "/v1/tools")
    assert not site_.handles("GET", "/v1/docs/x") and not site_.handles("GET", "/v1/openapi.json")


def test_the_dev_token_for_the_loopback_host() -> None:
    SIGNED.clear()
    answer = get("/_dev/token?role=partner")
    assert answer.status == 200 and header(answer, "Cache-Control") == "no-store"
    body = json.loads(answer.body)
    assert body["token"] == "signed-partner-partner-demo" and body["role"] == "partner"
    assert json.loads(get("/_dev/token", Host="localhost:3000").body)["sub"] == "vin-demo"
    assert json.loads(get("/_dev/token?sub=vin-e2e-1").body)["sub"] == "vin-e2e-1"
    assert SIGNED == [
        ("partner", "partner-demo", 3600),
        ("vehicle", "vin-demo", 3600),
        ("vehicle", "vin-e2e-1", 3600),
    ]


@pytest.mark.parametrize(
    ("target", "headers", "status"),
    [
        ("/_dev/token", {"Host": "attacker.example:3000"}, 403),  # DNS rebinding: a foreign name
        ("/_dev/token", {"Host": "127.0.0.1:3001"}, 403),
        ("/_dev/token", {"Host": ""}, 403),
        ("/_dev/token", {"Sec-Fetch-Site": "cross-site"}, 403),  # another site's page
        ("/_dev/token?role=admin", {}, 422),  # no admin token for a page
        ("/_dev/token?sub=A%20B", {}, 422),
    ],
)
def test_the_dev_token_is_refused(target: str, headers: dict[str, str], status: int) -> None:
    SIGNED.clear()
    refused = get(target, **{k.replace("-", "_"): v for k, v in headers.items()})
    assert refused.status == status and header(refused, "Content-Type") == "application/problem+json"
    assert json.loads(refused.body)["status"] == status and SIGNED == []


def test_the_real_signer_makes_a_token_the_dev_key_verifies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jwt

    from cockpit_dev import devkeys

    monkeypatch.setenv("COCKPIT_HOME", str(tmp_path))
    body = json.loads(Pages(PORT).serve("/_dev/token", {"Host": f"127.0.0.1:{PORT}"}.get).body)
    key = jwt.PyJWKSet.from_dict(devkeys.jwks(tmp_path)).keys[0].key
    claims = jwt.decode(body["token"], key, algorithms=["RS256"], audience=devkeys.DEV_AUDIENCE)
    assert claims["role"] == "vehicle" and claims["sub"] == "vin-demo"


def test_the_templates_own_routes_win_over_the_pages() -> None:
    from dataclasses import replace

    from cockpit_dev.apigw import ApiGateway
    from cockpit_dev.pool import WorkerPool
    from cockpit_dev.template import load_template

    template = load_template(Path(__file__).resolve().parents[3] / "template.yaml")
    ours = ApiGateway(template, WorkerPool([]))
    assert ours.serves_page(site(), "GET", "/") and ours.serves_page(site(), "GET", "/v1/docs")
    assert not ours.serves_page(site(), "GET", "/v1/openapi.json")
    # Another template's routes keep their paths: a greedy one (which, as in API Gateway, does not match
    # the bare root) and one at the root.
    greedy = replace(template.routes[0], path="/{proxy+}", method="ANY")
    theirs = ApiGateway(replace(template, routes=[greedy]), WorkerPool([]))
    assert not theirs.serves_page(site(), "GET", "/console/") and theirs.serves_page(site(), "GET", "/")
    root = replace(template.routes[0], path="/", method="GET")
    assert not ApiGateway(replace(template, routes=[greedy, root]), WorkerPool([])).serves_page(
        site(), "GET", "/"
    )
