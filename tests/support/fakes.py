"""In-memory fakes of the ports, for unit tests."""

from __future__ import annotations

import threading

from charging.ports import EvseStatus


class InMemoryEvseStates:
    """`EvseStates` in a dict: EVSE uid -> the session holding it. Atomic like a conditional write."""

    def __init__(self) -> None:
        self.held: dict[str, str] = {}
        self.overrides_calls = 0
        self._lock = threading.Lock()

    def overrides(self) -> dict[str, EvseStatus]:
        with self._lock:
            self.overrides_calls += 1
            return dict.fromkeys(self.held, EvseStatus.CHARGING)

    def occupy(self, evse_uid: str, session_id: str) -> bool:
        with self._lock:
            if evse_uid in self.held:
                return False
            self.held[evse_uid] = session_id
            return True

    def holder(self, evse_uid: str) -> str | None:
        with self._lock:
            return self.held.get(evse_uid)

    def release(self, evse_uid: str, session_id: str) -> bool:
        with self._lock:
            if self.held.get(evse_uid) != session_id:
                return False
            del self.held[evse_uid]
            return True
