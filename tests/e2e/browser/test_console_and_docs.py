"""The partner console in Chromium (dry run, register, catalog, new version, retire) and /v1/docs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import Shots
from tests.e2e.browser.test_head_unit import not_public
from tests.support.local_gateway import ROOT, GatewayUrl

PARKING = ROOT / "contracts" / "examples" / "acme-parking.openapi.yaml"


def test_a_partner_registers_a_document_and_its_tools_reach_the_catalog(
    page: Page, gateway_url: GatewayUrl, shots: Shots, tmp_path: Path
) -> None:
    requests: list[tuple[str, str]] = []
    page.on("request", lambda r: requests.append((r.method, re.sub(r"^\w+://[^/]+|\?.*$", "", r.url))))
    page.goto(f"{gateway_url}/console/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("who")).to_have_text("partner partner-demo")
    page.get_by_label("Namespace").fill("acme_parking")
    page.get_by_label("Display name").fill("ACME Parking")
    page.get_by_label("Base URL").fill("http://127.0.0.1:8081/api")  # not the document's /v2: a warning
    page.get_by_label("Confirmation required (operationIds)").fill("createReservation")
    page.set_input_files("#upload", str(PARKING))  # uploaded, read by the page
    expect(page.locator("#openapi")).to_have_value(re.compile("createReservation"))

    page.get_by_role("button", name="Dry run").click()
    tools = page.get_by_test_id("preview-tool")
    expect(tools).to_have_count(4)
    expect(page.get_by_test_id("warnings")).to_contain_text("/openapi/servers")
    reserve = tools.filter(has_text="acme_parking_create_reservation")
    expect(reserve).to_contain_text("asks the driver")
    expect(reserve.get_by_test_id("question")).to_contain_text("Confirm Reserve a spot with acme_parking (")
    expect(reserve.get_by_test_id("question")).to_contain_text("确认让acme_parking执行“Reserve a spot”（")
    expect(page.get_by_test_id("contract")).to_have_count(0)  # a dry run stores nothing

    page.get_by_label("Base URL").fill("http://127.0.0.1:8081/v2")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_test_id("outcome")).to_contain_text("active, 4 tools")
    expect(page.get_by_test_id("signing-key")).to_contain_text("shown once")
    key = page.get_by_label("Signing key")
    expect(key).to_have_attribute("type", "password")  # not on screen unless asked (demos are shared)
    expect(key).to_have_value(re.compile(r"^[A-Za-z0-9_-]{40,}$"))
    expect(page.get_by_test_id("contract")).to_have_count(1)
    expect(page.get_by_test_id("catalog-tool").filter(has_text="acme_parking_search_spots")).to_have_count(1)
    shots("console", full_page=True, docs=True)

    # The head unit (a vehicle) now sees the partner's tools in its catalog.
    page.goto(f"{gateway_url}/")
    expect(page.get_by_test_id("tools")).to_contain_text("(4 partner)")
    host = gateway_url.split("//", 1)[1]
    car = httpx.get(f"{gateway_url}/_dev/token", headers={"Host": host}).json()["token"]
    listed = httpx.get(f"{gateway_url}/v1/tools", headers={"Authorization": f"Bearer {car}"}).json()["tools"]
    assert "acme_parking_search_spots" in {t["name"] for t in listed}

    # A new version (pasted this time), then retirement.
    page.goto(f"{gateway_url}/console/")
    row = page.get_by_test_id("contract").filter(has_text="acme_parking")
    row.get_by_role("button", name="Update").click()
    expect(page.get_by_test_id("mode")).to_contain_text("New version of acme_parking")
    page.get_by_label("Display name").fill("ACME Parking")
    document = PARKING.read_text().replace("Reserve a spot", "Reserve a parking spot")
    page.get_by_label("OpenAPI document (YAML or JSON)").fill(document)
    page.get_by_role("button", name="Publish new version").click()
    expect(page.get_by_test_id("outcome")).to_contain_text("v2: active")
    expect(row.locator("td").nth(4)).to_have_text("2")
    retire = row.get_by_role("button", name="Retire")
    retire.click()
    page.get_by_role("button", name="Press again to retire").click()
    expect(row.locator("td").nth(2)).to_have_text("retired")
    expect(page.get_by_test_id("catalog-tool")).to_have_count(0)
    assert {"POST", "PUT", "DELETE"} <= {m for m, p in requests if p.startswith("/v1/contracts")}, requests
    assert not_public(requests, gateway_url) == [], requests  # the console uses only the public API


def test_a_bad_document_shows_the_problem_and_stores_nothing(
    page: Page, gateway_url: GatewayUrl, allowed_errors: list[str]
) -> None:
    allowed_errors.append("status of 422")  # the browser logs the refused requests; the page shows them
    page.goto(f"{gateway_url}/console/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.get_by_label("Namespace").fill("broken_docs")
    page.get_by_label("Display name").fill("Broken")
    page.get_by_label("OpenAPI document (YAML or JSON)").fill("openapi: 3.1.0\ninfo: {title: x}\npaths: 7\n")
    page.get_by_role("button", name="Dry run").click()
    expect(page.get_by_role("alert")).to_contain_text("422")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_contain_text("422")
    expect(page.get_by_test_id("contract").filter(has_text="broken_docs")).to_have_count(0)


def test_the_docs_render_every_operation_with_an_example(
    page: Page, gateway_url: GatewayUrl, shots: Shots
) -> None:
    answer = page.goto(f"{gateway_url}/v1/docs")
    assert answer is not None and answer.headers["content-type"] == "text/html; charset=utf-8"
    document = json.loads(httpx.get(f"{gateway_url}/v1/openapi.json").text)
    operations = [(m, p) for p, ops in document["paths"].items() for m in ops]
    blocks = page.locator(".opblock")
    expect(blocks).to_have_count(len(operations))
    expect(page.locator(".servers select")).to_contain_text(gateway_url)  # the local server
    shots("api-docs", docs=True)
    turn = page.locator("#operations-assistant-take_turn")
    turn.locator(".opblock-summary").click()
    expect(turn).to_contain_text("find a fast charger on the way")  # the request example
