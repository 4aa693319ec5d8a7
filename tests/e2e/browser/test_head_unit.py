"""The head-unit page in Chromium: a driver finds a fast charger, picks the first, starts charging with the
card, presses Confirm and sees the session active with its payment — in English and in Chinese — with the
map, the trace and the vehicle's state, all through the public API."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from cockpit_dev.pages import PAGES
from tests.e2e.browser.conftest import Shots
from tests.support.local_gateway import GatewayUrl

SESSION_WAIT = 30_000  # the simulated charger starts asynchronously: the page polls the operation


def ask(page: Page, label: str, send: str, text: str) -> None:
    page.get_by_label(label, exact=True).fill(text)
    page.get_by_role("button", name=send, exact=True).click()


def open_head_unit(page: Page, url: str) -> None:
    page.goto(f"{url}/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("connection")).to_have_class(re.compile(r"\bok\b"))


def session_of(page: Page, url: str) -> dict[str, Any]:
    """The page's session as the API has it (GET /v1/sessions/{id} with the page's own dev token)."""
    session_id = page.get_by_test_id("connection").get_attribute("title")
    host = url.split("//", 1)[1]
    token = httpx.get(f"{url}/_dev/token", headers={"Host": host}).json()["token"]
    answer = httpx.get(f"{url}/v1/sessions/{session_id}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def charge_at_the_first(page: Page, words: dict[str, str], shots: Shots, name: str) -> None:
    ask(page, words["message"], words["send"], words["find"])
    first = page.get_by_test_id("station").first
    expect(first).to_be_visible()
    expect(page.get_by_test_id("agent")).to_have_text(words["agent"])
    expect(page.get_by_test_id("map-station").first).to_be_attached()  # the map is drawn from the stations
    expect(page.get_by_test_id("map-car")).to_be_attached()
    first.get_by_role("button", name=words["charge"]).click()

    confirm = page.get_by_role("button", name=words["confirm"], exact=True)
    expect(confirm).to_be_visible()
    expect(page.get_by_role("button", name=words["cancel"], exact=True)).to_be_visible()
    expect(page.get_by_test_id("msg-assistant").last).to_contain_text(words["hold"])
    shots(f"{name}-question")
    confirm.click()

    session = page.get_by_test_id("card-session").last
    # statuses in the driver's words; the API's codes only in data-status
    expect(session.locator('dd[data-status="ACTIVE"]')).to_have_text(words["active"], timeout=SESSION_WAIT)
    payment = session.get_by_test_id("card-payment")
    expect(payment.locator('dd[data-status="requires_capture"]')).to_have_text(words["held"])
    expect(payment).to_contain_text(re.compile(r"¥\d+\.\d\d"))  # the hold, in yuan
    expect(payment).not_to_contain_text("CN¥")  # "¥116.80", as the reply says it
    expect(confirm).to_be_disabled()  # a question is answered once

    trace = page.get_by_test_id("trace-row")
    rows = [trace.nth(i).inner_text() for i in range(trace.count())]
    assert any(re.search(r"charging_find_stations\s+succeeded\s+\d+", row) for row in rows), rows
    assert any(re.search(r"charging_start_session\s+confirmation_required\s+\d+", row) for row in rows), rows
    assert any(re.search(r"charging_start_session\s+accepted\s+\d+", row) for row in rows), rows
    shots(name, docs=True)


ENGLISH = {
    "message": "Message", "send": "Send", "find": "find a fast charger on the way", "agent": "Car Genius",
    "charge": "Charge here", "confirm": "Confirm", "cancel": "Cancel", "hold": "A hold of up to",
    "table": "book a table near the Bund", "free": "Free", "active": "Charging", "held": "Held on card",
}  # fmt: skip
CHINESE = {
    "message": "消息", "send": "发送", "find": "找一个快充站", "agent": "用车专家",
    "charge": "在此充电", "confirm": "确认", "cancel": "取消", "hold": "预授权",
    "table": "预订外滩附近的餐厅", "free": "免费", "active": "充电中", "held": "已预授权",
}  # fmt: skip


# What the driver reads as a label: buttons, headings, field labels, table heads, the agent, the catalog
# count, the map's caption, who said each message, a card's statuses.
LABELS = ", ".join(
    ("button", "h2", "h3", "label", "th", "dt", "figcaption", ".who", "dd[data-status]",
     "[data-testid=agent]", "[data-testid=tools]")
)  # fmt: skip


def english_left(page: Page) -> list[str]:
    """The labels on the page with Latin letters in them (the language switch's "EN" aside)."""
    texts: list[str] = page.locator(LABELS).evaluate_all(
        "nodes => nodes.filter((n) => n.getClientRects().length).map((n) => n.innerText.trim())"
    )
    assert len(texts) > 20, texts  # the page and its cards were read
    return [text for text in texts if re.search("[A-Za-z]", text) and text != "EN"]


def raw_statuses(page: Page) -> list[str]:
    """Cards' statuses shown as the API's code ("requires_capture", "ACTIVE") instead of words."""
    shown: list[list[str]] = page.locator("dd[data-status]").evaluate_all(
        "nodes => nodes.map((n) => [n.dataset.status, n.innerText.trim()])"
    )
    assert shown, "no status on the page"
    return [text for code, text in shown if text == code or "_" in text]


def not_public(requests: list[tuple[str, str]], url: str) -> list[tuple[str, str]]:
    """The page's requests that are neither its own files, its dev token, nor an operation of the public
    API (GET /v1/openapi.json): a page must use only what any client can."""
    document = httpx.get(f"{url}/v1/openapi.json").json()
    operations = [
        (method.upper(), re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$"))
        for path, ops in document["paths"].items()
        for method in ops
    ]
    own = re.compile(r"^(/ui/[\w./-]+|/_dev/token)$")
    return [
        (method, path)
        for method, path in requests
        if not (method == "GET" and (path in PAGES or own.match(path)))
        and not any(method == m and pattern.match(path) for m, pattern in operations)
    ]


def test_a_driver_charges_at_the_first_fast_charger_and_sees_the_payment(
    page: Page, gateway_url: GatewayUrl, shots: Shots
) -> None:
    requests: list[tuple[str, str]] = []
    page.on("request", lambda r: requests.append((r.method, re.sub(r"^\w+://[^/]+|\?.*$", "", r.url))))
    open_head_unit(page, gateway_url)
    expect(page.get_by_test_id("tools")).to_contain_text("tools")  # GET /v1/tools answered
    charge_at_the_first(page, ENGLISH, shots, "head-unit")
    assert raw_statuses(page) == []
    session = session_of(page, gateway_url)
    assert (
        session["locale"] == "en-US"
        and len(session["turns"]) == 3
        and session["pending_confirmation"] is None
    )
    assert {m for m, p in requests if p.startswith("/v1/")} >= {"GET", "POST"}, requests
    assert not_public(requests, gateway_url) == [], requests


def test_the_same_in_chinese(page: Page, gateway_url: GatewayUrl, shots: Shots) -> None:
    open_head_unit(page, gateway_url)
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("button", name="中文")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_label("消息", exact=True)).to_be_visible()
    expect(page.get_by_test_id("connection")).to_have_class(re.compile(r"\bok\b"))
    charge_at_the_first(page, CHINESE, shots, "head-unit-zh")
    assert session_of(page, gateway_url)["locale"] == "zh-CN"
    expect(page.get_by_test_id("msg-assistant").last.locator(".who")).to_have_text("用车专家")
    expect(page.get_by_test_id("tools")).to_have_text(re.compile(r"^\d+ 个工具"))  # counted before the switch
    expect(page.locator("#clock")).to_have_text(re.compile(r"^\d{2}:\d{2}$"))  # no AM/PM
    assert english_left(page) == []


def test_the_vehicle_state_goes_with_the_next_turn_and_cancel_does_nothing(
    page: Page, gateway_url: GatewayUrl
) -> None:
    open_head_unit(page, gateway_url)
    page.get_by_label("Battery %").fill("15")
    page.get_by_label("Service due").fill("brake_pads, tyres")
    expect(page.get_by_test_id("vehicle-hint")).to_have_text("Sent with your next message")
    ask(page, "Message", "Send", "how is my battery")
    expect(page.get_by_test_id("msg-assistant").last).to_contain_text("Battery 15%")
    expect(page.get_by_test_id("vehicle-hint")).to_have_text("Vehicle state sent")
    vehicle = session_of(page, gateway_url)["vehicle"]
    assert vehicle["battery_percent"] == 15 and vehicle["service"]["due"] == ["brake_pads", "tyres"]
    assert vehicle["range_km"] == 80  # a partial update: the rest stays

    ask(page, "Message", "Send", "find a fast charger")
    page.get_by_test_id("station").nth(1).get_by_role("button", name="Charge here").click()
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.get_by_test_id("msg-driver").last).to_have_text(re.compile("Cancelled"))
    expect(page.get_by_test_id("msg-assistant")).to_have_count(4)
    session = session_of(page, gateway_url)
    assert session["pending_confirmation"] is None
    assert not any(c["status"] == "accepted" for t in session["turns"] for c in t["tool_calls"])
    expect(page.get_by_test_id("card-session")).to_have_count(0)


def test_the_page_is_served_with_its_csp_and_no_request_leaves_this_origin(
    page: Page, gateway_url: GatewayUrl
) -> None:
    origins: set[str] = set()
    page.on("request", lambda r: origins.add(re.sub(r"^(\w+://[^/]+).*$", r"\1", r.url)))
    answer = page.goto(f"{gateway_url}/")
    assert answer is not None and "script-src 'self'" in (answer.headers.get("content-security-policy") or "")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    ask(page, "Message", "Send", "find parking near the Bund")
    expect(page.get_by_test_id("place").first).to_be_visible()
    expect(page.get_by_test_id("map-place").first).to_be_attached()
    assert origins == {gateway_url}, origins


def test_navigate_then_the_route_is_drawn_from_its_polyline(page: Page, gateway_url: GatewayUrl) -> None:
    open_head_unit(page, gateway_url)
    ask(page, "Message", "Send", "find a fast charger on the way")
    page.get_by_test_id("station").first.get_by_role("button", name="Navigate").click()
    expect(page.get_by_test_id("card-route").first).to_contain_text("Destination")
    expect(page.get_by_test_id("map-dest")).to_be_attached()
    page.get_by_role("button", name="Show route").click()  # POST /v1/tools/navigation_plan_route/invoke
    route = page.get_by_test_id("map-route")
    expect(route).to_be_attached()
    cards = page.get_by_test_id("card-route")
    expect(cards).to_have_count(1)  # the destination's card became the route's, not a card inside it
    expect(cards).to_contain_text("Distance")
    points = (route.get_attribute("points") or "").split()
    assert len(points) >= 2 and len(set(points)) >= 2  # decoded from the encoded polyline, not one dot
    expect(page.get_by_test_id("trace-row").first).to_contain_text("navigation_plan_route")


def test_a_driver_books_a_slot_then_pays_and_sees_the_reservation_and_the_payment(
    page: Page, gateway_url: GatewayUrl
) -> None:
    """The slot, reservation and payment cards (the charging journey shows a payment only inside its
    session): booking a free parking slot, then a payment the driver confirms."""
    open_head_unit(page, gateway_url)
    ask(page, "Message", "Send", "book parking near the Bund")
    slots = page.get_by_test_id("slot")
    expect(slots.first).to_be_visible()
    expect(page.get_by_test_id("map-venue").first).to_be_attached()  # the venues are on the map
    slots.first.get_by_role("button", name="Book").click()
    reservation = page.get_by_test_id("card-reservation").last
    expect(reservation.locator('dd[data-status="confirmed"]')).to_have_text("Confirmed")
    # the venue's time, as the reply says it ("Sat 5 Dec 21:00"), not as ISO text
    start = reservation.locator("dt", has_text="Start").locator("xpath=following-sibling::dd[1]").inner_text()
    assert re.fullmatch(r"[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{2}:\d{2}", start), start
    expect(page.get_by_test_id("msg-assistant").last.locator(".text")).to_contain_text(start)

    ask(page, "Message", "Send", "pay 45.50 yuan to shanghai star charging")
    expect(page.get_by_test_id("msg-assistant").last).to_contain_text("Pay ¥45.50 to Shanghai Star Charging")
    expect(page.get_by_test_id("card-payment")).to_have_count(0)  # nothing is paid before the yes
    page.get_by_role("button", name="Confirm", exact=True).last.click()
    payment = page.get_by_test_id("card-payment").last
    expect(payment.locator('dd[data-status="succeeded"]')).to_have_text("Paid")
    expect(payment).to_contain_text("¥45.50")
    expect(payment).to_contain_text("4242")  # the card it was paid with
    trace = page.get_by_test_id("trace-row")
    rows = [trace.nth(i).inner_text() for i in range(trace.count())]
    assert any(re.search(r"booking_create_reservation\s+succeeded\s+\d+", row) for row in rows), rows
    assert any(re.search(r"payments_create_payment\s+succeeded\s+\d+", row) for row in rows), rows
    assert raw_statuses(page) == []


def test_a_free_slot_says_free_in_either_language(page: Page, gateway_url: GatewayUrl) -> None:
    """A table costs nothing to book: its slot says so in words, never a price of ¥0.00."""
    open_head_unit(page, gateway_url)
    for words in (ENGLISH, CHINESE):
        if words is CHINESE:
            english = page.get_by_test_id("connection").get_attribute("title") or ""
            page.get_by_role("button", name="中文").click()
            # a new session, in Chinese (the connection's title is the session's id)
            expect(page.get_by_test_id("connection")).not_to_have_attribute("title", english)
        ask(page, words["message"], words["send"], words["table"])
        slots = page.get_by_test_id("slot")
        expect(slots.first).to_be_visible()
        for meta in slots.locator(".meta").all_inner_texts():
            assert meta.endswith(f" · {words['free']}") and "0.00" not in meta, meta
        when = slots.first.locator(".meta").inner_text().split(" · ")[0]  # as the reply says the first one's
        expect(page.get_by_test_id("msg-assistant").last.locator(".text")).to_contain_text(when)


# What the vehicle panel's fields must fit at: the CI's landscape screen, a full-HD one, a narrow head unit.
VIEWPORTS = [(1280, 720), (1920, 1080), (1024, 600)]

FIT = """panel => {
  const box = panel.getBoundingClientRect();
  const fields = [...panel.querySelectorAll("input")].map((input) => {
    const r = input.getBoundingClientRect();
    return {id: input.id, top: r.top, bottom: r.bottom, left: r.left, right: r.right,
            overflow: input.scrollWidth - input.clientWidth};
  });
  return {top: box.top, bottom: box.bottom, left: box.left, right: box.right,
          scrolls: panel.scrollHeight - panel.clientHeight, fields};
}"""


@pytest.mark.parametrize(("width", "height"), VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def test_every_vehicle_field_is_on_screen_without_scrolling(
    page: Page, gateway_url: GatewayUrl, width: int, height: int
) -> None:
    """Each vehicle input lies wholly inside the panel and the screen, the panel does not scroll, and a
    value as long as the demo car's longitude fits its field — also once the trace has rows."""
    page.set_viewport_size({"width": width, "height": height})
    open_head_unit(page, gateway_url)
    ask(page, "Message", "Send", "find a fast charger on the way")
    expect(page.get_by_test_id("trace-row").first).to_be_visible()
    fit = page.locator("#vehicle").evaluate(FIT)
    assert fit["scrolls"] <= 0 and fit["bottom"] <= height and fit["right"] <= width, fit
    assert [f["id"] for f in fit["fields"]] == ["battery", "range", "lat", "lon", "due", "faults"]
    for field in fit["fields"]:
        inside = fit["top"] <= field["top"] and field["bottom"] <= fit["bottom"]
        inside = inside and fit["left"] <= field["left"] and field["right"] <= fit["right"]
        assert inside and field["bottom"] <= height and field["overflow"] <= 0, (field, fit)


LINES = """nodes => nodes.filter((n) => n.getClientRects().length).map((n) => {
  const range = document.createRange();
  range.selectNodeContents(n);
  const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  return {text: n.innerText.trim(), lines, clipped: n.scrollWidth > n.clientWidth};
})"""


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1024, 600)], ids=["1280x720", "1024x600"])
def test_buttons_and_statuses_are_never_cut_or_broken_mid_word(
    page: Page, gateway_url: GatewayUrl, width: int, height: int
) -> None:
    """On a narrow head unit "Charge here" wrapped, "Navigate" overflowed its border and the trace broke
    "succeeded" into "succeed / ed": every button in the conversation and every one-word status in the
    trace is one line, and none is clipped."""
    page.set_viewport_size({"width": width, "height": height})
    open_head_unit(page, gateway_url)
    ask(page, "Message", "Send", "find a fast charger on the way")
    page.get_by_test_id("station").first.get_by_role("button", name="Charge here").click()
    page.get_by_role("button", name="Confirm", exact=True).click()
    expect(page.get_by_test_id("card-session").last).to_be_visible(timeout=SESSION_WAIT)
    buttons = page.locator("#messages button").evaluate_all(LINES)
    statuses = page.locator("[data-testid=trace] td:nth-child(2)").evaluate_all(LINES)
    assert len(buttons) >= 12 and len(statuses) >= 4, (buttons, statuses)
    broken = [b for b in buttons if b["lines"] != 1 or b["clipped"]]
    broken += [s for s in statuses if "_" not in s["text"] and (s["lines"] != 1 or s["clipped"])]
    assert broken == [], broken


def test_a_message_sent_during_the_language_switch_stays_in_the_conversation(
    page: Page, gateway_url: GatewayUrl
) -> None:
    """The switch starts a Chinese session; a chip tapped before it answers must not start a second one (two
    starts raced and the page went on with whichever answered last, possibly not the one the message went to,
    so the next "第一个" would not know the list)."""
    open_head_unit(page, gateway_url)
    starts: list[str] = []
    page.on(
        "request",
        lambda r: starts.append(r.url) if r.method == "POST" and r.url.endswith("/v1/sessions") else None,
    )
    # the switch, then its first chip, in one go: the chip is tapped while the switch's session is starting
    page.evaluate("""() => {
      document.getElementById("locale-zh").click();
      document.querySelector("#chips button").click();
    }""")
    expect(page.get_by_test_id("station").first).to_be_visible()
    page.wait_for_timeout(1000)  # a second start, had there been one, has been sent by now
    assert len(starts) == 1, starts
    session = session_of(page, gateway_url)
    assert session["locale"] == "zh-CN" and len(session["turns"]) == 1, session
