"""Scoring of the screening instruments, with their published cut-offs and severity bands.

PHQ-9 (Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606-13): nine items scored 0-3 over
the last two weeks, total 0-27; 5, 10, 15 and 20 are the thresholds of mild, moderate, moderately
severe and severe depression; 10 is the usual cut-off for probable major depression. Item 9
(thoughts of being better off dead or of self-harm) answered above 0 calls for a suicide-risk
assessment whatever the total.

GAD-7 (Spitzer, Kroenke, Williams & Löwe 2006, Arch Intern Med 166:1092-7): seven items scored 0-3,
total 0-21; 5, 10 and 15 are the thresholds of mild, moderate and severe anxiety; 10 is the cut-off
for further evaluation.

The item wording is the published Simplified Chinese version of each instrument.
"""

from dataclasses import dataclass

ANSWER_CHOICES = [(0, "完全不会"), (1, "好几天"), (2, "一半以上的天数"), (3, "几乎每天")]
CUT_OFF = 10


class InvalidAnswers(ValueError):
    pass


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    low: int
    high: int


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    prompt: str
    items: tuple[str, ...]
    bands: tuple[Band, ...]
    crisis_from: str  # the band from which the total alone opens a crisis intervention
    risk_item: int | None = None  # 1-based item whose answer above 0 opens one

    @property
    def max_score(self) -> int:
        return 3 * len(self.items)

    def band_for(self, score: int) -> Band:
        for band in self.bands:
            if band.low <= score <= band.high:
                return band
        raise InvalidAnswers(f"score {score} is outside 0-{self.max_score}")

    def band_label(self, code: str) -> str:
        return next((band.label for band in self.bands if band.code == code), code)


PHQ9 = Instrument(
    code="phq9",
    name="PHQ-9 抑郁症筛查量表",
    prompt="在过去两周里,你生活中以下症状出现的频率有多少?",
    items=(
        "做事时提不起劲或没有兴趣",
        "感到心情低落、沮丧或绝望",
        "入睡困难、睡不安稳或睡眠过多",
        "感觉疲倦或没有活力",
        "食欲不振或吃太多",
        "觉得自己很糟,或觉得自己很失败,或让自己或家人失望",
        "对事物专注有困难,例如阅读报纸或看电视时",
        "动作或说话速度缓慢到别人已经察觉,或正好相反——烦躁或坐立不安、动来动去的情况更胜于平常",
        "有不如死掉或用某种方式伤害自己的念头",
    ),
    bands=(
        Band("minimal", "无或极轻微抑郁", 0, 4),
        Band("mild", "轻度抑郁", 5, 9),
        Band("moderate", "中度抑郁", 10, 14),
        Band("moderately_severe", "中重度抑郁", 15, 19),
        Band("severe", "重度抑郁", 20, 27),
    ),
    crisis_from="severe",
    risk_item=9,
)

GAD7 = Instrument(
    code="gad7",
    name="GAD-7 广泛性焦虑量表",
    prompt="在过去两周里,你生活中以下症状出现的频率有多少?",
    items=(
        "感觉紧张、焦虑或急切",
        "不能够停止或控制担忧",
        "对各种各样的事情担忧过多",
        "很难放松下来",
        "由于不安而无法静坐",
        "变得容易烦恼或急躁",
        "感到似乎将有可怕的事情发生而害怕",
    ),
    bands=(
        Band("minimal", "无或极轻微焦虑", 0, 4),
        Band("mild", "轻度焦虑", 5, 9),
        Band("moderate", "中度焦虑", 10, 14),
        Band("severe", "重度焦虑", 15, 21),
    ),
    crisis_from="severe",
)

INSTRUMENTS = {instrument.code: instrument for instrument in (PHQ9, GAD7)}


@dataclass(frozen=True)
class Result:
    instrument: str
    answers: tuple[int, ...]
    score: int
    band: Band
    positive: bool  # at or above the cut-off
    crisis_reasons: tuple[str, ...]  # empty unless the result opens a crisis intervention

    @property
    def crisis(self) -> bool:
        return bool(self.crisis_reasons)


def score(code: str, answers) -> Result:
    """Score one administration. Raises InvalidAnswers for an unknown instrument, a wrong number of
    answers or an answer outside 0-3 (booleans are not answers)."""
    instrument = INSTRUMENTS.get(code)
    if instrument is None:
        raise InvalidAnswers(f"unknown instrument {code!r}; known: {', '.join(INSTRUMENTS)}")
    answers = tuple(answers)
    if len(answers) != len(instrument.items):
        raise InvalidAnswers(
            f"{instrument.code} has {len(instrument.items)} items, got {len(answers)} answers"
        )
    for answer in answers:
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer <= 3:
            raise InvalidAnswers("every answer is an integer from 0 to 3")
    total = sum(answers)
    band = instrument.band_for(total)
    reasons = []
    crisis_band = next(b for b in instrument.bands if b.code == instrument.crisis_from)
    if total >= crisis_band.low:
        reasons.append(f"{instrument.name.split()[0]} 总分 {total},{band.label}")
    if instrument.risk_item and answers[instrument.risk_item - 1] > 0:
        reasons.append(f"第 {instrument.risk_item} 题(自伤/轻生念头)得分 {answers[instrument.risk_item - 1]}")
    return Result(
        instrument=instrument.code,
        answers=answers,
        score=total,
        band=band,
        positive=total >= CUT_OFF,
        crisis_reasons=tuple(reasons),
    )
