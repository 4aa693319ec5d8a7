"""A Lambda client for unit tests of function-to-function calls: Invoke answers a prepared payload (or
raises a prepared error) and keeps every request it was sent."""

from __future__ import annotations

import io
import json
from typing import Any


class FakeLambda:
    def __init__(
        self, payload: Any = None, *, error: str | None = None, raises: Exception | None = None
    ) -> None:
        self.payload, self.error, self.raises = payload, error, raises
        self.sent: list[dict[str, Any]] = []

    def invoke(self, **request: Any) -> dict[str, Any]:
        self.sent.append({**request, "Payload": json.loads(request["Payload"])})
        if self.raises is not None:
            raise self.raises
        body = self.payload if isinstance(self.payload, bytes) else json.dumps(self.payload).encode()
        response: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(body)}
        if self.error:
            response["FunctionError"] = self.error  # the function raised: Lambda's own error answer
        return response
