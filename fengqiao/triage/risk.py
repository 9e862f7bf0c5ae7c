"""Escalation risk (民转刑, group incidents): a 0–100 score with the reasons that made it.

Four families of signals add up, each capped so no single family decides alone:
- the text: threats, injury, weapons, poison, despair, group action;
- history: earlier matters between the same people, at the same place, earlier petitions, a
  dispute that has dragged on for years;
- scale: many people involved, large sums of money;
- vulnerable parties: the very old, minors, people with disabilities, pregnancy.

Other apps may add reasons that come from who the parties are (e.g. a party on a special-group
register of fengqiao.basedata) with register_party_signal; they count with the vulnerable parties.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

HIGH_RISK = 70  # raises a warning and shortens the deadline

TEXT_SIGNALS: list[tuple[str, int, tuple[str, ...]]] = [
    (
        "扬言报复或威胁",
        30,
        ("弄死", "杀了", "砍死", "砍人", "同归于尽", "报复", "要他命", "拼命", "让他好看", "血债", "不放过"),
    ),
    ("已有伤害", 20, ("打伤", "受伤", "流血", "住院", "骨折", "打架", "殴打", "动手", "斗殴", "头破血流")),
    ("涉及凶器", 25, ("刀", "斧头", "锄头", "棍棒", "铁棍", "汽油", "枪", "炸药", "菜刀")),
    ("涉及农药毒物", 25, ("农药", "喝药", "百草枯", "老鼠药", "下毒", "敌敌畏")),
    (
        "轻生或绝望情绪",
        30,
        ("不想活", "活不下去", "跳楼", "跳河", "轻生", "自杀", "寻死", "想不开", "一了百了"),
    ),
    (
        "可能引发群体性事件",
        25,
        ("集体上访", "聚集", "围堵", "拉横幅", "串联", "堵路", "几十人", "上百人", "群体"),
    ),
]
VULNERABLE_SIGNALS = ("残疾", "孕妇", "怀孕", "独居老人", "留守儿童", "未成年", "精神病", "低保户", "五保户")
LONG_RUNNING = re.compile(r"(多年|十几年|好几年|\d+年来|历时\d+年|拖了\d+年|一直没解决|反复)")
MONEY = re.compile(r"(\d+(?:\.\d+)?)\s*(万|千)?\s*元")
PEOPLE = re.compile(r"(\d+)\s*(?:多)?\s*(?:人|户|名|位)")


# (points, reason) pairs about the parties, given their person ids; registered by other apps.
PartySignal = Callable[[list[int]], list[tuple[int, str]]]
PARTY_SIGNALS: dict[str, PartySignal] = {}


def register_party_signal(name: str, signal: PartySignal) -> None:
    PARTY_SIGNALS[name] = signal


def party_signals(person_ids: list[int]) -> list[tuple[int, str]]:
    if not person_ids:
        return []
    return [found for signal in PARTY_SIGNALS.values() for found in signal(list(person_ids))]


@dataclass
class RiskSignals:
    """What is known about a matter besides its text."""

    earlier_between_parties: int = 0
    earlier_at_place: int = 0
    earlier_petitions: int = 0
    party_birth_dates: list[date] = field(default_factory=list)
    today: date | None = None
    party_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class RiskScore:
    score: int
    reasons: list[str]

    @property
    def high(self) -> bool:
        return self.score >= HIGH_RISK


def _money_yuan(text: str) -> float:
    largest = 0.0
    for amount, unit in MONEY.findall(text):
        value = float(amount) * {"万": 10000, "千": 1000}.get(unit, 1)
        largest = max(largest, value)
    return largest


def score(text: str, signals: RiskSignals | None = None) -> RiskScore:
    signals = signals or RiskSignals()
    text = text or ""
    points = 0
    reasons: list[str] = []

    text_points = 0
    for label, weight, words in TEXT_SIGNALS:
        found = [word for word in words if word in text]
        if found:
            text_points += weight
            reasons.append(f"{label}:“{'”“'.join(found[:3])}”")
    points += min(text_points, 60)

    history = 0
    if signals.earlier_between_parties:
        history += min(10 * signals.earlier_between_parties, 25)
        reasons.append(f"同一当事人此前已有 {signals.earlier_between_parties} 件矛盾纠纷")
    if signals.earlier_at_place:
        history += min(5 * signals.earlier_at_place, 15)
        reasons.append(f"同一地点近期已发生 {signals.earlier_at_place} 件同类事项")
    if signals.earlier_petitions:
        history += 10
        reasons.append(f"当事人此前有 {signals.earlier_petitions} 次信访")
    if (match := LONG_RUNNING.search(text)) is not None:
        history += 10
        reasons.append(f"矛盾长期未解决:“{match.group(0)}”")
    points += min(history, 35)

    scale = 0
    money = _money_yuan(text)
    if money >= 100000:
        scale += 15
        reasons.append(f"涉及金额较大(约 {money / 10000:.0f} 万元)")
    elif money >= 20000:
        scale += 8
        reasons.append(f"涉及金额 {money / 10000:.1f} 万元")
    crowd = max((int(n) for n in PEOPLE.findall(text)), default=0)
    if crowd >= 10:
        scale += 15
        reasons.append(f"涉及人数较多(约 {crowd} 人/户)")
    points += min(scale, 25)

    vulnerable = [word for word in VULNERABLE_SIGNALS if word in text]
    today = signals.today or date.today()
    ages = [(today - born).days // 365 for born in signals.party_birth_dates]
    if any(age >= 75 for age in ages):
        vulnerable.append("当事人年逾七十五")
    if any(age < 18 for age in ages):
        vulnerable.append("当事人未成年")
    if vulnerable:
        points += min(5 * len(vulnerable), 15)
        reasons.append(f"涉及弱势群体:{'、'.join(vulnerable[:4])}")

    party = party_signals(signals.party_ids)
    if party:
        points += min(sum(weight for weight, _ in party), 20)
        reasons.extend(reason for _, reason in party)

    return RiskScore(min(points, 100), reasons)
