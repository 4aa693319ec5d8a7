"""The sample events under events/booking/ (the ones `sam local invoke -e` takes) run as they are."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from booking import sandbox_data as data
from booking.handler import lambda_handler as booking
from cockpit_dev.template import Template
from tests.support import events as ev
from tests.support.aws import snapshot


def sample(name: str) -> dict[str, Any]:
    return json.loads(json.dumps(ev.sample(f"booking/{name}.json")))  # type: ignore[no-any-return]


def tomorrow(venue_id: str) -> str:
    """The sample's slot moved to tomorrow evening (a fixed date is past or not yet on sale one day)."""
    day = (datetime.now(UTC) + timedelta(days=1)).date()
    return next(s.id for s in data.day_schedule(data.venues()[venue_id], day) if s.start.hour == 19)


def test_list_answers_an_empty_list_for_a_new_car(gateway: Template) -> None:
    out = booking(sample("list_reservations"), None)
    assert out == {"status": "succeeded", "result": {"reservations": []}}


def test_cancel_of_an_unknown_reservation_is_404_and_writes_nothing(gateway: Template) -> None:
    before = snapshot(gateway)
    out = booking(sample("cancel_reservation"), None)
    assert out["status"] == "failed" and out["error"]["status"] == 404
    assert snapshot(gateway) == before


def test_create_books_the_sample_slot_once(gateway: Template) -> None:
    event = sample("create_reservation")
    event["arguments"]["slot_id"] = tomorrow("SHA-R01")
    first, again = booking(event, None), booking(event, None)
    assert first["status"] == "succeeded", first
    assert first["result"]["reservation"]["slot_id"] == event["arguments"]["slot_id"]
    assert again["result"]["reservation"]["id"] == first["result"]["reservation"]["id"]


def test_an_unconfirmed_invocation_of_a_fee_slot_is_refused_by_the_function_itself(gateway: Template) -> None:
    """The second line behind the gateway: a slot with a no-show fee needs the driver's yes."""
    event = sample("create_reservation")
    event.update(confirmed=False, idempotency_key="unconfirmed-1")
    event["arguments"]["slot_id"] = tomorrow("SHA-R02")
    before = snapshot(gateway)
    out = booking(event, None)
    assert out["status"] == "failed" and out["error"]["status"] == 403
    assert snapshot(gateway) == before
