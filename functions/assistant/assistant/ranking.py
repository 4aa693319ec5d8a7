"""Lexical ranking of tools against the driver's words: English by words, Chinese by character bigrams.

A small glossary maps common Chinese driving words to the English vocabulary of the tool contracts, so
"找个充电桩" finds `charging_find_stations`; partner tools described in Chinese match on bigrams directly.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from cockpit.tools.model import ToolSpec

_WORD = re.compile(r"[a-z0-9]+")
_HAN = re.compile(r"[\u3400-\u9fff]+")
_STOP = frozenset(
    re.findall(r"\w+", "a an the to of for on in at and or is it me my i you please can find get")
)

GLOSSARY: dict[str, str] = {
    "充电": "charging charger station",
    "电桩": "charging charger station",
    "快充": "charging fast power",
    "电站": "charging station",
    "导航": "navigation route destination",
    "路线": "navigation route",
    "带我": "navigation destination",
    "去往": "navigation destination",
    "停车": "parking place",
    "车位": "parking place spot",
    "餐厅": "restaurant food place",
    "吃饭": "restaurant food place",
    "好吃": "restaurant food place",
    "咖啡": "coffee cafe place",
    "预订": "booking reservation book",
    "预约": "booking reservation book appointment",
    "订座": "booking reservation table",
    "支付": "payment pay",
    "付款": "payment pay",
    "付费": "payment pay",
    "取消": "cancel",
    "状态": "status session",
    "保养": "service maintenance appointment",
    "故障": "fault code service",
    "电量": "battery charging",
    "续航": "range battery charging",
}


def tokens(text: str) -> list[str]:
    """English words (stop words dropped, plural s folded), Chinese bigrams (and single characters for
    one-character runs), and the glossary's English for Chinese bigrams it knows."""
    low = text.lower()
    out = [w.removesuffix("s") if len(w) > 3 else w for w in _WORD.findall(low) if w not in _STOP]
    for run in _HAN.findall(low):
        grams = [run[i : i + 2] for i in range(len(run) - 1)] or [run]
        out += grams
        for gram in grams:
            out += GLOSSARY.get(gram, "").split()
    return out


def document(tool: ToolSpec) -> Counter[str]:
    return _document(tool.name, tool.title, tool.description)


@lru_cache(maxsize=4096)
def _document(name: str, title: str, description: str) -> Counter[str]:
    """A tool's terms, counted once per container (tools change rarely; utterances every turn)."""
    return Counter(tokens(" ".join((name.replace("_", " "), title, description))))


def scores(utterance: str, tools: Sequence[ToolSpec]) -> dict[str, float]:
    """BM25-like score of each tool for the utterance (0 when nothing matches)."""
    query = set(tokens(utterance))
    docs = {t.name: document(t) for t in tools}
    n = len(docs) or 1
    df: Counter[str] = Counter()
    for counts in docs.values():
        df.update(set(counts))
    out = {}
    for name, counts in docs.items():
        score = 0.0
        for term in query:
            tf = counts.get(term, 0)
            if tf:
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                score += idf * (tf * 2.2) / (tf + 1.2)
        out[name] = score
    return out


def rank(utterance: str, tools: Iterable[ToolSpec], limit: int) -> list[ToolSpec]:
    """All tools when they fit the limit; else the `limit` best for the utterance (ties: catalog order)."""
    pool = list(tools)
    if len(pool) <= limit:
        return pool
    found = scores(utterance, pool)
    order = sorted(range(len(pool)), key=lambda i: (-found[pool[i].name], i))
    return [pool[i] for i in order[:limit]]
