"""What is wrong with a contract document, collected by JSON Pointer and reported all at once (422)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cockpit.errors import InvalidContract, ProblemItem, json_pointer

MAX_REPORTED = 50


class Problems:
    """Errors (the document is refused) and warnings (compiled, with a loss the partner should know)."""

    def __init__(self, root: str = "/openapi") -> None:
        self.root = root
        self.errors: list[ProblemItem] = []
        self.warnings: list[str] = []

    def pointer(self, path: Iterable[Any]) -> str:
        return self.root + json_pointer(path)

    def error(self, path: Iterable[Any], message: str) -> None:
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(ProblemItem(pointer=self.pointer(path), message=message))

    def error_at(self, pointer: str, message: str) -> None:
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(ProblemItem(pointer=pointer, message=message))

    def warn(self, path: Iterable[Any], message: str) -> None:
        text = f"{self.pointer(path)}: {message}"
        if len(self.warnings) < MAX_REPORTED and text not in self.warnings:
            self.warnings.append(text)

    def raise_if_any(self, summary: str) -> None:
        if self.errors:
            first = self.errors[0]
            more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
            raise InvalidContract(f"{summary}: {first.pointer}: {first.message}{more}", errors=self.errors)
