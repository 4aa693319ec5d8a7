"""How deep JSON text nests, found without parsing it: Python's `json` recurses once per level and
raises RecursionError (a 500) on a few thousand; bodies and partner documents are checked here first.

Linear work in C: a text with no more brackets than the limit cannot exceed it (two byte counts, what
a usual body costs); otherwise strings are cut out (possessive quantifiers: no backtracking, and an
unterminated string runs to the end), brackets kept, and innermost pairs removed one level per pass.
Unbalanced text counts its unclosed openers as depth: it is refused either way.
"""

from __future__ import annotations

import re

MAX_DEPTH = 128  # deeper than any request this API takes; the partner document compiler allows 120
_STRINGS = re.compile(rb'"(?:[^"\\]++|\\.)*+"?')
_UNIFY = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


def deeper_than(text: bytes | str, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays and objects nest more than `limit` levels anywhere in `text` (JSON or flow YAML)."""
    raw = text.encode() if isinstance(text, str) else text
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    brackets = _STRINGS.sub(b"", raw).translate(_UNIFY, _NOT_BRACKETS)
    levels = 0
    while b"[]" in brackets:  # each pass removes the innermost level everywhere
        levels += 1
        if levels > limit:
            return True
        brackets = brackets.replace(b"[]", b"")
    return levels + brackets.count(b"[") > limit
