"""The two agents: configuration, not code — a persona prompt, the tools it offers, the words it answers to.

Each turn is routed to one agent: the one whose words and tools best match the utterance; a pending
confirmation keeps the agent that asked; a tie keeps the session's last agent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache

from assistant import ranking
from cockpit.tools.model import ToolSpec


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    persona: dict[str, str]  # locale -> persona prompt
    tools: tuple[str, ...]  # patterns over tool names, or "source:<pattern>" over the tool's source
    words: str  # what drivers say to this agent, en and zh (ranked like tools)

    def spoken(self, locale: str) -> str:
        return SPOKEN.get((self.id, locale), self.name)

    def offers(self, tool: ToolSpec) -> bool:
        return _offers(self.tools, tool.name, tool.source)

    def subset(self, tools: Iterable[ToolSpec]) -> list[ToolSpec]:
        return [t for t in tools if self.offers(t)]


CAR_GENIUS = Agent(
    id="car_genius",
    name="Car Genius",
    persona={
        "en-US": "You are Car Genius, the vehicle expert: battery, range, charging know-how, service needs, "
        "fault codes and service appointments.",
        "zh-CN": "你是“用车专家”（Car Genius）：电池、续航、充电知识、保养需求、故障码和保养预约。",
    },
    # service appointments (booking_*); getting to a charger and "can I make it to X" (navigation_*)
    tools=("charging_*", "vehicle_*", "service_*", "payments_*", "booking_*", "navigation_*"),
    words="charge charger charging station battery range kwh fast connector fault code warning service "
    "maintenance tyre tire status 充电 充电桩 快充 电量 续航 故障 保养 维修 胎压 状态",
)
TRAVEL_COMPANION = Agent(
    id="travel_companion",
    name="Travel Companion",
    persona={
        "en-US": "You are Travel Companion, the concierge: places, food, parking, bookings, routes and "
        "payments on the way.",
        "zh-CN": "你是“出行伙伴”（Travel Companion）：地点、美食、停车、预订、路线以及途中的支付。",
    },
    tools=("navigation_*", "booking_*", "payments_*", "charging_find_stations", "source:partner:*"),
    words="navigate navigation route drive go take destination place restaurant food eat coffee parking "
    "park book booking table reservation hotel 导航 路线 带我 去 餐厅 吃饭 咖啡 停车 车位 预订 订座 酒店",
)
AGENTS: tuple[Agent, ...] = (CAR_GENIUS, TRAVEL_COMPANION)
SPOKEN = {("car_genius", "zh-CN"): "用车专家", ("travel_companion", "zh-CN"): "出行伙伴"}
# A word the driver says to an agent weighs more than a tool's lexical match: tool descriptions mention
# neighbouring domains (a route plan talks about battery and charging stops: 1.5 lost "how is my battery"
# to Travel Companion).
WORD_WEIGHT = 3.0


def by_id(agent_id: str | None) -> Agent | None:
    return next((a for a in AGENTS if a.id == agent_id), None)


@lru_cache(maxsize=8192)
def _offers(patterns: tuple[str, ...], name: str, source: str) -> bool:
    for pattern in patterns:
        if pattern.startswith("source:"):
            if fnmatchcase(source, pattern.removeprefix("source:")):
                return True
        elif fnmatchcase(name, pattern):
            return True
    return False


@lru_cache(maxsize=16)
def _words(words: str) -> frozenset[str]:
    return frozenset(ranking.tokens(words))


CAR_INTENTS = frozenset({"charger", "start", "stop", "status", "battery", "range", "service", "reach"})
TRAVEL_INTENTS = frozenset({"navigate", "dest_ask", "dest_change", "parking", "restaurant", "coffee", "hotel",
                            "pay", "list", "cancel", "book"})  # fmt: skip


def by_intent(utterance: str) -> Agent | None:
    """The agent the driver's request belongs to, when the words say it plainly (understand.py): car
    matters to Car Genius, travel to Travel Companion; None when they say neither or both."""
    from assistant.understand import parse  # the grammar imports nothing of the agents

    intents = parse(utterance).intents
    car, travel = bool(intents & CAR_INTENTS), bool(intents & (TRAVEL_INTENTS - {"book", "pay", "navigate"}))
    if car and not travel:
        return CAR_GENIUS
    if travel and not car:
        return TRAVEL_COMPANION
    if not car and intents & {"book", "pay", "navigate"}:
        return TRAVEL_COMPANION
    if travel and intents & CAR_INTENTS <= {"charger"}:  # "chargers and parking near me": both are searches
        return TRAVEL_COMPANION  # Travel Companion finds chargers too
    return None


def route(utterance: str, tools: Sequence[ToolSpec], last: str | None) -> Agent:
    """The agent for this utterance: the request's domain when the words say it plainly; else its words,
    plus the best score among the tools it offers. A bare answer to the last request ("the first one",
    "第一个", "用支付宝") stays with the agent that made it: no handover without a change of domain."""
    from assistant.understand import answers_only, parse

    if last is not None and by_id(last) is not None and answers_only(parse(utterance)):
        return by_id(last) or TRAVEL_COMPANION
    plain = by_intent(utterance)
    if plain is not None:
        return plain
    tool_scores = ranking.scores(utterance, tools)
    query = set(ranking.tokens(utterance))
    best: tuple[float, Agent] | None = None
    for agent in AGENTS:
        words = query & _words(agent.words)
        score = WORD_WEIGHT * len(words) + max(
            (tool_scores.get(t.name, 0.0) for t in agent.subset(tools)), default=0.0
        )
        if agent.id == last:
            score += 0.01  # a tie keeps the conversation with the agent it was with
        if best is None or score > best[0]:
            best = (score, agent)
    assert best is not None
    return best[1] if best[0] > 0.01 else by_id(last) or TRAVEL_COMPANION
