"""The model gets the car's location to about 100 m; the tools it calls get the exact fix."""

from __future__ import annotations

from datetime import UTC, datetime

from assistant import prompt
from assistant.agents import CAR_GENIUS
from assistant.models import Session
from cockpit.vehicle import VehicleContext

EXACT = {"lat": 31.230416, "lon": 121.473701}  # People's Square, to about 10 cm


def test_the_system_prompt_rounds_the_location_to_about_100_m() -> None:
    now = datetime(2026, 1, 1, 4, 0, tzinfo=UTC)
    car = VehicleContext.model_validate({"location": EXACT, "battery_percent": 40})
    session = Session(
        session_id="ses_1", owner="v", locale="en-US", vehicle=car, created_at=now, expires_at=now
    )
    text = prompt.system_prompt(CAR_GENIUS, session, now, [])
    assert "lat 31.230, lon 121.474" in text  # 0.001° ≈ 111 m north-south, ≈ 95 m east-west here
    assert "31.2304" not in text and "121.4737" not in text
