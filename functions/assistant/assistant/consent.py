"""The driver's answer to a pending question, in English and Chinese: yes, no, a question about it, or
something else — a small grammar (lexicons of words and phrases), not a list of whole sentences.

Only the driver's utterance counts, and the rule is asymmetric on purpose (issue 14):
- YES only when every word of the utterance belongs to the yes-lexicon or its fillers ("sure, go
  ahead", "好的 付吧") and at least one is a real yes; a yes inside a longer request is not consent;
- NO when any negation is present ("hold on, don't pay that", "等一下 先不充") — a negation wins;
- ASK when the driver asks about the pending action itself ("how much is it?", "多少钱");
- OTHER for everything else (a new request, another question, a stray word).
The service performs the pending action on YES (or the `confirm` token) only; every other answer drops it.
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum


class Answer(Enum):
    YES = "yes"
    NO = "no"
    ASK = "ask"
    OTHER = "other"


# English: single words and phrases. A phrase is matched before its words.
YES_EN = frozenset(
    {
        "yes", "yeah", "yea", "yep", "yup", "ya", "sure", "ok", "okay", "k", "confirm", "confirmed",
        "correct", "affirmative", "alright", "absolutely", "definitely", "certainly", "proceed", "fine",
        "right", "agreed", "approve", "approved", "go ahead", "do it", "go for it", "sounds good",
        "all right", "of course", "please do", "let's do it", "lets do it", "that's right", "thats right",
        "yes please", "make it so", "works for me", "that works", "perfect", "great", "cool", "deal",
        "i confirm", "i do", "why not", "you bet", "pay it", "book it", "charge it", "start it", "do that",
    }
)  # fmt: skip
FILLER_EN = frozenset(
    {
        "please", "then", "just", "it", "that", "this", "thanks", "thank", "you", "do", "go", "ahead",
        "pay", "charge", "charging", "book", "start", "now", "and", "so", "oh", "uh", "um", "well", "yes",
        "sir", "mate", "buddy", "one", "the", "is", "fine", "sure", "that's", "thats", "it's", "its",
        "let's", "lets", "on", "card", "my", "with", "for", "me", "really", "very", "much",
        "hey", "assistant", "car", "genius", "okay", "ok", "a", "go-ahead",
    }
)  # fmt: skip
NO_EN = (
    "no", "nope", "nah", "not", "don't", "dont", "do not", "never", "cancel", "stop", "wait", "hold on",
    "hang on", "hold off", "changed my mind", "change my mind", "forget it", "forget that", "never mind",
    "nevermind", "abort", "reject", "decline", "later", "skip", "negative", "rather not", "no way",
    "not now", "don't do", "scratch that", "leave it", "drop it", "not yet", "i'd rather", "instead",
)  # fmt: skip
ASK_EN = (
    "how much", "what's the cost", "what is the cost", "the cost", "the price", "what price", "price",
    "cost", "what was that", "what is it", "what's that", "what is that", "which card", "which station",
    "which one is it", "say again", "say that again", "repeat", "pardon", "come again", "what did you say",
    "how long", "what am i paying", "what for", "what exactly", "details", "what's it for", "what is it for",
    "what's this for", "what is this for", "for what", "what does it cost", "what's the damage",
)  # fmt: skip

# Chinese: matched as substrings (there are no spaces between words).
YES_ZH = (
    "付吧", "支付吧", "付了吧", "充吧", "订吧", "买吧", "开始吧", "就这个", "是的", "是啊", "是", "好的",
    "好啊", "好吧", "好嘞", "好", "行",
    "可以", "确认", "确定", "对的", "对",
    "没问题", "嗯嗯", "嗯", "同意", "就这样", "没错", "当然", "要的", "要", "ok", "okay", "yes", "继续",
)  # fmt: skip
FILLER_ZH = (
    "吧", "啊", "呀", "呢", "了", "的", "请", "付", "支付", "付款", "开始", "充电", "充", "预订", "订",
    "就", "去", "吗", "哦", "噢", "那", "麻烦", "你", "帮我", "用", "卡", "这个", "那个", "一下", "谢谢",
    "现在", "马上", "直接", "吧吧", "办", "做",
)  # fmt: skip
NO_ZH = (
    "不", "别", "没", "算了", "取消", "等一下", "等等", "等会", "稍等", "停", "先不", "改天", "拒绝",
    "不要", "不用", "再说", "以后", "回头", "慢着", "放弃", "改主意", "换", "改",
)  # fmt: skip
SOFT_NO = ("wait", "hold on", "hang on", "等一下", "等等", "稍等")
YES_WITH_NEGATION_ZH = ("没问题", "没错", "不错")
ASK_ZH = (
    "多少钱", "价格", "费用", "是什么", "什么来着", "啥", "哪张卡", "哪家", "再说一遍", "重复", "说什么",
    "要付多少", "几块", "多少块", "来着", "干什么的", "什么的",
)  # fmt: skip

_NOISE = re.compile(r"[\s\.,!?;:~…。，！？；：、\"“”‘()（）\-—]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d]+")


def normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    folded = _EMOJI.sub(" ", folded)
    return _NOISE.sub(" ", folded).strip().strip("'").strip()


def _has_en(said: str, phrases: tuple[str, ...] | frozenset[str]) -> bool:
    return any(re.search(rf"(?<![a-z']){re.escape(p)}(?![a-z'])", said) for p in phrases)


def _only(said: str, yes: frozenset[str], filler: frozenset[str]) -> bool:
    """Every word is a yes or a filler, and some phrase is a real yes."""
    rest, found = f" {said} ", False
    for phrase in sorted(yes, key=len, reverse=True):  # longest first: "go ahead" before "go"
        pattern = rf"(?<=\s){re.escape(phrase)}(?=\s)"
        if re.search(pattern, rest):
            found = True
            rest = re.sub(pattern, " ", rest)
    return found and all(word in filler for word in rest.split())


def _zh_only(said: str) -> bool:
    """Chinese (or mixed) utterance made only of yes-words and fillers, with at least one yes."""
    compact = said.replace(" ", "")
    found = False
    i = 0
    while i < len(compact):
        for lexicon, is_yes in ((YES_ZH, True), (FILLER_ZH, False)):
            match = next(
                (w for w in sorted(lexicon, key=len, reverse=True) if compact.startswith(w, i)), None
            )
            if match is not None:
                found = found or is_yes
                i += len(match)
                break
        else:
            return False
    return found


def classify(text: str) -> Answer:
    said = normalize(text)
    if not said:
        return Answer.OTHER
    zh = bool(_CJK.search(said))
    unnegated = said
    for phrase in YES_WITH_NEGATION_ZH:  # "没问题" (no problem) is a yes, not a 没
        unnegated = unnegated.replace(phrase, " ")
    # about it, not a new request (fillers do not count: "hmm how much is that gonna cost?")
    words = [w for w in said.split() if w not in FILLER_EN]
    short = len(said.replace(" ", "")) <= 10 if zh else len(words) <= 6
    asks = short and (_has_en(said, ASK_EN) or (zh and any(w in said for w in ASK_ZH)))
    soft = said
    for phrase in SOFT_NO:  # "wait, how much is it?" is a question, not a no
        soft = soft.replace(phrase, " ")
    if asks and not (_has_en(soft, NO_EN) or (zh and any(w in soft for w in NO_ZH))):
        return Answer.ASK
    if _has_en(said, NO_EN) or (zh and any(w in unnegated for w in NO_ZH)):
        return Answer.NO
    if (zh and _zh_only(said)) or (not zh and _only(said, YES_EN, FILLER_EN)):
        return Answer.YES
    if asks:
        return Answer.ASK
    return Answer.OTHER


def is_affirmative(text: str) -> bool:
    return classify(text) is Answer.YES


def is_negative(text: str) -> bool:
    return classify(text) is Answer.NO


def rest_after_no(text: str) -> str:
    """What a negative answer asks for besides the no ("no, find me parking instead" → a request):
    the words left once negations and fillers are gone; empty when the answer was only a no."""
    said = normalize(text)
    for phrase in sorted((*NO_EN, *NO_ZH, *ASK_EN), key=len, reverse=True):
        if _CJK.search(phrase):
            said = said.replace(phrase, " ")
        else:
            said = re.sub(rf"(?<![a-z']){re.escape(phrase)}(?![a-z'])", " ", said)
    words = [w for w in said.split() if w not in FILLER_EN and w not in YES_EN]
    left = "".join(words) if _CJK.search(said) else " ".join(words)
    if _CJK.search(left):
        for filler in sorted(FILLER_ZH + YES_ZH, key=len, reverse=True):
            left = left.replace(filler, "")
    return left if len(left.replace(" ", "")) > (1 if _CJK.search(left) else 2) else ""
