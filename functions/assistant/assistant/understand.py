"""What a driver's words ask for, in English and Mandarin: one intent and its slots.

A small grammar, not a phrase list: lexicons of cue words per intent (both languages, natural and terse
forms, fillers ignored), and slot readers — a choice (ordinal, "the closest", a pronoun, a name from the
list on screen), an amount (digits or words, 元/块/yuan), a merchant, a payment method, a party size,
a time, nights, a named place. The planner (offline.py) turns a `Parse` into tool calls.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from cockpit import merchants

# --- intents: cue words per intent (English matched on word boundaries, Chinese as substrings) ----------

CUES: dict[str, tuple[str, ...]] = {
    "cancel": ("cancel", "call off", "drop the booking", "取消", "退掉", "退订", "不要了那个预订"),
    "list": ("my reservations", "my bookings", "what have i booked", "what did i book", "booked anything",
             "list reservations", "reservations do i have", "我的预订", "订了什么", "订了哪些", "有什么预订",
             "预订记录", "我订了"),
    "stop": ("stop charging", "end charging", "unplug", "finish charging", "done charging", "stop the charge",
             "end the session", "停止充电", "结束充电", "别充了", "不充了", "停吧", "停下", "充够了", "停充",
             "停止充", "拔枪"),
    "status": ("charging status", "is it charging", "still charging", "是不是在充", "在充吗",
        "how's charging",
               "how is charging", "how is the charge", "how's the charge",
               "charging going", "charge going", "how much has it charged", "充得怎么样", "充电进度",
               "充了多少", "充电状态", "充好了吗"),
    "reach": ("make it to", "get to", "reach", "enough to get", "enough charge to", "enough charge for",
              "enough battery for", "够开到", "电够", "够不够",
              "能开到", "开得到", "够到", "能到", "到得了", "够不够到", "能不能到", "撑到"),
    "dest_ask": ("my destination", "where am i going", "where are we going", "where are we heading",
                 "这是去哪", "是去哪", "要去哪",
                 "where am i heading", "where am i headed", "where are we headed", "where we headed",
                 "where are we off to", "what's the destination", "what is the destination", "目的地是",
                 "我们去哪", "现在去哪", "导航去哪", "目的地在哪", "我的目的地"),
    "dest_change": ("instead", "change the destination", "change destination", "make that", "switch to",
                    "改去", "换成", "改成", "换到", "改到", "不去了"),
    "range": ("range", "how far can i", "how many km", "how many kilometers", "how far will", "how far i can",
              "续航", "还能跑多远", "还能开多远", "能跑多远", "能开多远", "还能跑多少", "还能开多少"),
    "battery": ("battery", "charge level", "state of charge", "how much charge", "电量", "还剩多少电",
                "电池", "剩多少电", "还有多少电", "电还有多少"),
    "service": ("service", "maintenance", "what does the car need", "needs attention", "wrong with the car",
                "due for", "oil change", "inspection", "tyre", "tire", "brake",
                "fault", "warning light", "check engine", "workshop", "dealer", "garage", "保养", "维修",
                "检修", "故障", "报警", "4s店", "修车", "年检"),
    "hotel": ("hotel", "room for", "a room", "place to stay", "stay the night", "somewhere to sleep",
              "night's stay", "酒店", "宾馆", "住一晚", "住宿", "住的地方", "开个房", "订房", "过夜"),
    "restaurant": ("restaurant", "table for", "a table", "dinner", "lunch", "breakfast", "eat", "hungry",
                   "food", "吃饭", "餐厅", "饭店", "订座", "订个位", "吃的", "饿了", "订桌", "吃点", "晚饭",
                   "午饭",
                   "早饭", "晚餐", "午餐", "位子", "座位", "饭馆", "桌"),
    "coffee": ("coffee", "cafe", "café", "latte", "咖啡"),
    "parking": ("parking", "park", "car park", "parking spot", "停车", "车位", "停车场", "泊车"),
    "pay": ("pay", "payment", "transfer", "settle", "send", "put it on", "付钱", "付款", "支付", "付",
        "转账", "结账",
            "买单"),
    "start": ("start charging", "charge there", "charge at", "charge here", "begin charging", "plug in",
              "start a session", "start the charge", "start a charge", "charge it there", "开始充电",
              "在那充", "在那里充", "就在那充", "去那充", "开始充", "充电吧", "启动充电"),
    "charger": ("charger", "chargers", "charging", "charge", "charge point", "charging station", "charge up",
                "recharge",
                "juice", "low on battery", "need a charge", "top up", "supercharger", "fast charge",
                "充电", "充电桩", "充电站", "快充", "超充", "补电", "充个电", "没电了", "电不多", "补能"),
    "navigate": ("navigate", "take me", "drive to", "drive me", "go to", "head to", "directions", "route to",
                 "let's go", "get me to", "bring me", "导航", "带我去", "去", "到", "开到", "前往", "出发"),
    "book": ("book", "reserve", "reservation", "booking", "hold a", "get me a", "预订", "预约", "订", "约"),
}  # fmt: skip

# --- slots -------------------------------------------------------------------------------------------

ORDINAL_EN = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "fifth": 4,
    "5th": 4, "last": -1, "number one": 0, "number two": 1, "number three": 2, "top one": 0,
}  # fmt: skip
ORDINAL_ZH = {
    "第一": 0, "第1": 0, "头一": 0, "第二": 1, "第2": 1, "第三": 2, "第3": 2, "第四": 3, "第4": 3,
    "第五": 4, "第5": 4, "最后一": -1, "一号": 0, "二号": 1, "三号": 2,
}  # fmt: skip
CLOSEST = ("closest", "nearest", "the near one", "最近", "离我最近", "近的那个", "最近的")
PRONOUN = ("that one", "this one", "there", "that place", "it", "that", "the one", "那个", "这个", "那里",
           "那儿", "那边", "这里", "这家", "那家", "它", "在那", "那充")  # fmt: skip
FAST = (
    "fast",
    "rapid",
    "quick",
    "dc",
    "high power",
    "supercharger",
    "快充",
    "快速",
    "超充",
    "直流",
    "大功率",
)
ALONG = ("on the way", "on my way", "along the way", "along the route", "on the route", "en route",
         "on route", "路上", "沿途", "顺路", "路过", "途中", "沿路")  # fmt: skip
TONIGHT = ("tonight", "this evening", "今晚", "今天晚上", "晚上")
TOMORROW = ("tomorrow", "明天")
METHODS = {  # what the driver names -> a method's brand (cards) or type, as payments_list_methods shows it
    "visa": "visa", "mastercard": "mastercard", "master card": "mastercard", "万事达": "mastercard",
    "alipay": "alipay", "ali pay": "alipay", "支付宝": "alipay", "wechat": "wechat_pay",
    "weixin": "wechat_pay", "微信": "wechat_pay",
}  # fmt: skip
CARD = ("card", "my card", "credit card", "刷卡", "用卡", "银行卡", "信用卡")
CONNECTORS = {"ccs": "CCS2", "ccs2": "CCS2", "gb/t": "GB_T_DC", "gbt": "GB_T_DC", "国标": "GB_T_DC",
              "chademo": "CHADEMO", "type 2": "TYPE_2", "tesla": "TESLA"}  # fmt: skip

_EN_NUM = {
    "zero": 0, "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_ZH_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
"七": 7,
             "八": 8, "九": 9}  # fmt: skip
_ZH_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_CJK = re.compile(r"[\u3400-\u9fff]")
FILLERS_EN = ("please", "could you", "can you", "would you", "hey", "uh", "um", "er", "hmm", "ok so", "so",
              "okay", "ok", "like", "just", "actually", "i think", "maybe", "kinda", "mate", "buddy",
              "car genius", "travel companion", "assistant")  # fmt: skip
FILLERS_ZH = ("请", "麻烦", "帮我", "给我", "你", "一下", "那个", "嗯", "呃", "啊", "吧", "呢", "呀", "哦",
              "好像", "我想", "我要", "想要", "可以", "能不能", "能", "吗")  # fmt: skip


_TENS_HYPHEN = re.compile(r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-(?=[a-z])")


def normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    folded = _TENS_HYPHEN.sub(r"\1 ", folded)  # "thirty-five" is "thirty five"
    return re.sub(r"\s+", " ", folded).strip()


def has(text: str, *words: str) -> bool:
    return any(_at(text, w) >= 0 for w in words)


def _at(text: str, word: str) -> int:
    if _CJK.search(word) or not word.isascii():
        return text.find(word)
    found = re.search(rf"(?<![a-z0-9]){re.escape(word)}(?:s|es)?(?![a-z0-9])", text)  # plurals too
    return found.start() if found else -1


@dataclass
class Parse:
    text: str
    zh: bool
    intents: set[str] = field(default_factory=set)
    ordinal: int | None = None
    closest: bool = False
    pronoun: bool = False
    fast: bool = False
    along: bool = False
    connector: str | None = None
    amount_minor: int | None = None
    method: str | None = None
    card: bool = False
    party: int | None = None
    hour: int | None = None
    tonight: bool = False
    tomorrow: bool = False
    nights: int | None = None
    place: str | None = None  # a named place ("West Lake", "豫园")
    merchant: str | None = None  # the payee as said ("Shanghai Star Charging", "上海星星充电")

    @property
    def choice(self) -> bool:
        return self.ordinal is not None or self.closest or self.pronoun


# a question word, then (within a few words) what is booked; or the other way round
_BOOKED = r"(?:bookings|reservations|appointments|预订|预约|订位|订单)"
_ASKS_RESERVATIONS = (
    rf"\b(?:what|which|any|show|list|see|check)\b(?:\W+\w+){{0,4}}?\W+{_BOOKED}"
    rf"|(?:哪些|什么|几个|查|看看|看一下|列出|有没有).{{0,4}}{_BOOKED}|{_BOOKED}.{{0,3}}(?:有哪些|有什么|有几个)"
)


def _phrased_intents(p: Parse, text: str) -> None:
    """Intents said by a shape of words rather than a cue."""
    if re.search(r"\bmake it (?!to\b)", text):  # "make it West Lake": not "make it to"
        p.intents.add("dest_change")
    if re.search(_ASKS_RESERVATIONS, text) and "cancel" not in p.intents:
        p.intents.add("list")  # "what bookings have I got", "我有哪些预订": a question about what is booked


def parse(utterance: str) -> Parse:
    text = normalize(utterance)
    cased = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", utterance).replace("’", "'")).strip()
    p = Parse(text=text, zh=bool(_CJK.search(text)))
    named = merchants.mentioned(text)
    if named is not None:  # "Bund Parking" is a payee, not a wish to park: its words are not cues
        p.merchant = named[0].en
        text_for_cues = text.replace(named[1].lower(), " ")
    else:
        text_for_cues = text
    for said in sorted(METHODS, key=len, reverse=True):  # "支付宝" names a method, not a wish to pay
        if _CJK.search(said):
            text_for_cues = text_for_cues.replace(said, " ")
    p.intents = {intent for intent, cues in CUES.items() if has(text_for_cues, *cues)}
    _phrased_intents(p, text_for_cues)
    starts = r"(?:在|去).{0,8}充(?!电站|电桩|电的地方)|charge (?:at|there|it|here|up at)"
    if re.search(starts, text_for_cues) and "stop" not in p.intents:
        p.intents.add("start")
    if "pay" not in p.intents and named is not None and amount(text) is not None:
        p.intents.add("pay")
    for word, index in {**ORDINAL_EN, **ORDINAL_ZH}.items():
        if has(text, word):
            p.ordinal = index
            break
    numbered = re.search(r"(?<![\d.:])([1-9])\s*号(?!码)|(?:\bnumber|\bno\.|#)\s*([1-9])\b", text)
    if p.ordinal is None and numbered:  # "1号", "number 2", "#3"
        p.ordinal = int(numbered.group(1) or numbered.group(2)) - 1
    p.closest = has(text, *CLOSEST)
    p.pronoun = has(text, *PRONOUN)
    p.fast = has(text, *FAST)
    p.along = has(text, *ALONG)
    p.connector = next((v for k, v in CONNECTORS.items() if has(text, k)), None)
    p.method = next((v for k, v in METHODS.items() if has(text, k)), None)
    p.card = p.method is not None or has(text, *CARD)
    p.amount_minor = amount(text)
    p.party = party(text)
    p.hour = hour(text)
    p.tonight = has(text, *TONIGHT)
    p.tomorrow = has(text, *TOMORROW)
    p.nights = nights(text)
    p.place = _cased(place(text_for_cues), text, cased) if named is None else None
    if p.merchant is None:
        p.merchant = _cased(merchant(text), text, cased)
    return p


# --- numbers ------------------------------------------------------------------------------------------


def zh_number(s: str) -> float | None:
    """四十五 → 45, 一百二十 → 120, 两千 → 2000, 四十五点五 → 45.5, 12 → 12."""
    if not s:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return float(s)
    whole, _, frac = s.partition("点")
    total, section, digit = 0.0, 0.0, 0.0
    for ch in whole:
        if ch in _ZH_DIGIT:
            digit = _ZH_DIGIT[ch]
        elif ch in _ZH_UNIT:
            unit = _ZH_UNIT[ch]
            if unit == 10000:
                total += (section + digit) * unit
                section, digit = 0, 0
            else:
                section += (digit or 1) * unit
                digit = 0
        elif ch.isdigit():
            digit = digit * 10 + int(ch)
        else:
            return None
    value = float(total + section + digit)
    if frac:
        digits = "".join(str(_ZH_DIGIT.get(c, c)) for c in frac)
        if not digits.isdigit():
            return None
        value += float("0." + digits)
    return value


def en_number(words: list[str]) -> float | None:
    """forty five → 45, a hundred and twenty → 120, forty five fifty → 45.50, twelve point five → 12.5."""
    total, current, seen = 0.0, 0.0, False
    i = 0
    while i < len(words):
        w = words[i]
        if w in _EN_NUM and not (
            w == "a" and (i + 1 >= len(words) or words[i + 1] not in ("hundred", "thousand"))
        ):
            current += _EN_NUM[w]
            seen = True
        elif w == "hundred" and seen:
            current = (current or 1) * 100
        elif w == "thousand" and seen:
            total += (current or 1) * 1000
            current = 0
        elif w == "and" and seen:
            pass
        elif w == "point" and seen and i + 1 < len(words) and words[i + 1] in _EN_NUM:
            frac = "".join(str(_EN_NUM[x]) for x in words[i + 1 :] if x in _EN_NUM and _EN_NUM[x] < 10)
            return total + current + float("0." + frac) if frac else total + current
        else:
            break
        i += 1
    return total + current if seen else None


_MONEY_ZH = re.compile(
    r"([\d零〇一二两三四五六七八九十百千万点.]+)\s*(元|块|圆)(?:钱)?([\d零一二两三四五六七八九]?)(角|毛)?"
)
_MONEY_DIGITS = re.compile(
    r"(?:¥|￥|cny|rmb|€|\$)\s*(\d+(?:\.\d{1,2})?)|(\d+(?:\.\d{1,2})?)\s*(?:元|块|yuan|rmb|cny|kuai|bucks|euros?|dollars?)"
)
_AMOUNT_WORDS = re.compile(
    r"((?:(?:zero|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|"
    r"thousand|and|point)\s*)+)\s*(?:yuan|rmb|kuai|bucks|euros?|dollars?)"
)


def amount(text: str) -> int | None:
    """An amount in minor units (fen, cents), or None."""
    found = _MONEY_DIGITS.search(text)
    if found:
        return round(float(found.group(1) or found.group(2)) * 100)
    zh = _MONEY_ZH.search(text)
    if zh:
        major = zh_number(zh.group(1))
        if major is not None:
            tail = zh_number(zh.group(3)) if zh.group(3) else None
            return round((major + (tail or 0) / 10) * 100)
    words = _AMOUNT_WORDS.search(text)
    if words:
        value = en_number(words.group(1).split())
        if value is not None:
            tokens = words.group(1).split()
            # "forty five fifty yuan": the spoken cents after the whole amount
            return round(value * 100) if "point" in tokens or value < 10000 else None
    bare = re.search(
        r"(?:pay|付|支付|转)\s*(\d+(?:\.\d{1,2})?)(?![\d:]|\s*(?:km|点|%|people|人|位|nights?|晚))", text
    )
    return round(float(bare.group(1)) * 100) if bare else None


def party(text: str) -> int | None:
    en = re.search(
        # "for 7pm" / "for 7:30" / "for seven o'clock" is a time, never a party of seven
        r"(?:for|party of|table for)\s+(\d+|[a-z]+)(?!\d|\s*(?::\d|am\b|pm\b|o'clock|点))"
        r"\s*(?:people|persons|of us|guests|adults)?",
        text,
    )
    if (
        en
        and (value := _small(en.group(1)))
        and (
            has(text, "people", "of us", "guests", "table", "party")
            or not has(text, "night", "nights", "hour", "hours", "pm", "am")
        )
    ):
        return value
    en2 = re.search(r"(\d+|[a-z]+)\s+(?:people|persons|of us|guests|adults)", text)
    if en2 and (value := _small(en2.group(1))):
        return value
    zh = re.search(r"([\d一二两三四五六七八九十]+)\s*(?:个人|人|位|口)", text)
    if zh:
        count = zh_number(zh.group(1))
        return int(count) if count and 0 < count <= 50 else None
    return None


def _small(word: str) -> int | None:
    value = float(word) if word.isdigit() else _EN_NUM.get(word)
    return int(value) if value is not None and 0 < value <= 50 and word != "a" else None


def hour(text: str) -> int | None:
    # "at 7" before "for 4": "a table for 4 at 7 tonight" is at seven, for four
    en = re.search(r"\b(?:at|around|by)\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm|o'clock)?", text) or re.search(
        r"\bfor\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm|o'clock)", text
    )
    if en and (
        en.group(3) or en.group(2) or has(text, "tonight", "dinner", "lunch", "tomorrow", "this evening")
    ):
        h = int(en.group(1))
        if en.group(3) == "pm" and h < 12:
            h += 12
        if en.group(3) is None and h < 11 and has(text, "tonight", "dinner", "this evening"):
            h += 12
        return h if 0 <= h < 24 else None
    zh = re.search(r"(上午|中午|下午|晚上|今晚)?\s*([\d一二两三四五六七八九十]+)\s*点", text)
    if zh:
        value = zh_number(zh.group(2))
        if value is None:
            return None
        h = int(value)
        if zh.group(1) in ("下午", "晚上", "今晚") and h < 12:
            h += 12
        return h if 0 <= h < 24 else None
    return None


def nights(text: str) -> int | None:
    en = re.search(r"(\d+|[a-z]+)\s+nights?", text)
    if en and (value := _small(en.group(1))):
        return value
    zh = re.search(r"([\d一二两三四五六七八九十]+)\s*(?:晚|夜|天)", text)
    if zh and (count := zh_number(zh.group(1))):
        return int(count) if 0 < count <= 30 else None
    if has(text, "one night", "a night", "tonight", "今晚", "住一晚"):
        return 1
    return None


# --- names ---------------------------------------------------------------------------------------------

_PLACE_EN = re.compile(
    r"(?<![a-z])(?:to|towards|near|around|at|by|close to|next to|make that|"
    r"make it(?!\s+to\b)|switch to|instead go to)"
    r"\s+(?:the\s+)?(?P<name>[a-z0-9\u3400-\u9fff' .&-]{2,60}?)"
    r"(?:\s+(?:instead|please|now|then|tonight|today|tomorrow|on|with|using|before|after|first|again|"
    r"for)\b|[?.!,]|$)"
)
_PLACE_ZH = re.compile(
    r"(?:去|到|往|改去|改成|换成|换到|改到|开到|能到|够到|撑到|导航到|导航去|在)\s?(?P<name>[\u3400-\u9fffa-z0-9]{2,20}?)"
    r"(?:附近|周边|旁边|那边|吧|吗|呢|啊|了|去|的停车|的酒店|的餐厅|停车|不[?？]?$|[?？。！,，]|$)"
)
_NOT_PLACES = {
    "me", "you", "it", "there", "here", "that", "this", "one", "the first one", "the second one", "my",
    "charge", "charging", "a charger", "park", "eat", "sleep", "bed", "go", "home please", "first one",
    "second one", "third one", "last one", "that one", "this one", "dinner", "lunch", "a hotel", "hotel",
    "a restaurant", "the closest one", "closest one", "the nearest one", "nearest one", "the charger",
    "充电", "充电桩", "充电站", "停车", "吃饭", "酒店", "那个", "那里", "那儿", "这里", "第一个", "第二个",
    "第三个", "最近的", "哪里", "哪儿", "哪", "多少", "了", "一下", "快充", "餐厅", "饭店", "保养",
}  # fmt: skip


def _cased(found: str | None, text: str, cased: str) -> str | None:
    """The driver's own spelling of a name found in the lowered text ("Jing'an Temple", not "jing'an")."""
    if found is None or len(cased) != len(text):
        return found
    at = text.find(found)
    return cased[at : at + len(found)] if at >= 0 else found


def place(text: str) -> str | None:
    for pattern in (_PLACE_ZH, _PLACE_EN):
        for found in pattern.finditer(text):
            name = found.group("name").strip(" .")
            name = re.sub(r"^(?:the|a|an)\s+", "", name)
            chosen = any(has(name, w) for w in (*ORDINAL_EN, *ORDINAL_ZH, *CLOSEST)) or name[:1] in "那这第"
            if (
                name
                and name not in _NOT_PLACES
                and not re.fullmatch(r"[\d.\s]+", name)
                and not _is_cue(name)
                and not chosen
            ):
                return name
            if name and " " in name and name != text:  # "go to Xintiandi": the place after the verb
                inner = place(name)
                if inner:
                    return inner
    return None


def _is_cue(name: str) -> bool:
    words = name.split()
    generic = {"charger", "chargers", "charging", "station", "parking", "restaurant", "hotel", "coffee",
               "cafe", "food", "a", "an", "the", "some", "nearby", "fast", "spot", "table", "room", "service",
               "my", "car", "it", "me", "one"}  # fmt: skip
    verbs = {
        "charge",
        "park",
        "eat",
        "book",
        "pay",
        "find",
        "get",
        "see",
        "go",
        "stop",
        "start",
        "sleep",
        "buy",
    }
    return (
        all(w in generic for w in words)
        or words[0] in verbs
        or name in {c for cues in CUES.values() for c in cues}
    )


_MERCHANT_EN = re.compile(
    r"\bto\s+(?:the\s+)?(?P<name>[a-z][a-z0-9' &-]{1,60}?)(?:\s+(?:with|by|using|on|for|via)\b|[?.!,]|$)"
)
_MERCHANT_ZH = re.compile(
    r"(?:给|付给|转给|向)(?P<name>[\u3400-\u9fffa-z0-9 ]{2,20}?)"
    r"(?:付|支付|转|打|[\d一二两三四五六七八九十百]|用|$)"
)


_MERCHANT_PAY = re.compile(
    r"\b(?:pay|send|transfer)\s+(?P<name>[a-z][a-z0-9' &-]{1,60}?)\s+"
    r"(?:\d|¥|(?:a|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)\b)"
)


def merchant(text: str) -> str | None:
    for pattern in (_MERCHANT_ZH, _MERCHANT_EN, _MERCHANT_PAY):
        found = pattern.search(text)
        if found:
            name = found.group("name").strip()
            if name and not re.search(r"\d", name):
                return name
    return None


def clean_query(text: str) -> str:
    """The words that name what to search for, without fillers and navigation verbs."""
    out = normalize(text)
    for word in sorted((*FILLERS_EN, *CUES["navigate"], *CUES["dest_change"], "find", "search for",
    "look for",
                        "show me", "where is", "is there", "are there", "any", "i need", "i want", "we need",
                        "let's", "找", "找一下", "搜", "搜一下", "有没有", "哪里有", "在哪", "附近有",
                        "我想去",
                        "一个", "个"), key=len, reverse=True):  # fmt: skip
        if _CJK.search(word):
            out = out.replace(word, " ")
        else:
            out = re.sub(rf"(?<![a-z]){re.escape(word)}(?![a-z])", " ", out)
    out = re.sub(r"[?？!！。,，.]+", " ", out)
    return " ".join(out.split())


SLOTS_ONLY = {"book", "pay"}  # weak cues: alone, they continue the previous request
ANSWER_SLOTS = ("amount_minor", "party", "merchant", "method", "nights", "place")


def answers_only(p: Parse) -> bool:
    """Whether the words only answer the previous request — a choice or a slot, no request of their own
    ("the first one", "第一个", "for four", "用支付宝"): the planner continues that request with them, and the
    agent who made it keeps the conversation."""
    if p.intents - SLOTS_ONLY:
        return False
    return p.choice or any(getattr(p, slot) is not None for slot in ANSWER_SLOTS)


def asks(utterance: str) -> bool:
    """Whether the words ask for anything at all (an intent): "stop charging" does, "nope, forget it" not."""
    return bool(parse(utterance).intents)
