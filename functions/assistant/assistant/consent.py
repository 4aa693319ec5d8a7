"""The driver's own yes or no to a pending question, in English and Chinese.

Only the driver's utterance counts: the whole utterance must be an answer (a yes buried in a longer
request is not consent), and a negation wins over anything that looks like a yes.
"""

from __future__ import annotations

import re
import unicodedata

AFFIRMATIVE = frozenset(
    {
        "yes", "yeah", "yep", "yup", "sure", "ok", "okay", "confirm", "confirmed", "do it", "go ahead",
        "yes please", "please do", "go for it", "sounds good", "alright", "all right", "correct",
        "affirmative",
        "yes do it", "ok do it", "yes go ahead", "ok go ahead", "yes confirm", "i confirm", "proceed",
        "是", "是的", "好", "好的", "好啊", "好吧", "行", "可以", "确认", "确定", "对", "对的", "没问题",
        "嗯", "嗯嗯", "同意", "就这样", "开始吧", "确认支付", "确认付款", "好的确认", "是的确认", "去吧",
    }
)  # fmt: skip
NEGATIVE = frozenset(
    {
        "no", "nope", "nah", "cancel", "stop", "don't", "do not", "never mind", "nevermind", "no thanks",
        "no thank you", "abort", "not now", "forget it", "cancel it", "don't do it", "no cancel", "reject",
        "不", "不要", "不用", "不用了", "取消", "算了", "别", "不行", "不对", "先不要", "不确认", "拒绝",
        "取消吧", "停", "停止", "不了",
    }
)  # fmt: skip
_NOISE = re.compile(r"[\s\.,!?;:~…。，！？；：、\"“”‘]+")


def normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return _NOISE.sub(" ", folded).strip().strip("'").strip()


def is_affirmative(text: str) -> bool:
    said = normalize(text)
    return said in AFFIRMATIVE or said.replace(" ", "") in AFFIRMATIVE


def is_negative(text: str) -> bool:
    said = normalize(text)
    return said in NEGATIVE or said.replace(" ", "") in NEGATIVE
