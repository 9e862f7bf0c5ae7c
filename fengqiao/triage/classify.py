"""Free Chinese text → case category, with a calibrated confidence and the reasons that decided it.

    >>> classify("包工头拖欠我们三个月工资")
    Classification(category='labour_wages', confidence=0.9…, reasons=['关键词“包工头”“工资”(劳动争议纠纷)', …])

Plain Python, no database: the model is loaded from data/model.joblib on first use (about a second,
mostly jieba's dictionary) and kept for the life of the process. If that file is missing or was
trained on another corpus, lexicon or feature version, the model is trained in-process instead (a few
seconds, with a warning in the log) so that a stale file is never used silently.
"""

import logging
import threading
from dataclasses import dataclass

import numpy as np

from fengqiao.cases.codes import Category, Channel
from fengqiao.triage import features, lexicon
from fengqiao.triage import model as model_store
from fengqiao.triage.model import Model

logger = logging.getLogger(__name__)

# Below this calibrated probability for the best category, a case goes to the human triage queue.
# At 0.5 the best category is more likely than all the others together. On the held-out split 95% of
# cases clear it and 98.5% of those are right; on the hand-written unseen set 86% clear it and 95% of
# those are right. docs/TRIAGE.md has the figures for other thresholds.
REVIEW_THRESHOLD = 0.5

# Where a case came from says something about what it is. A hint is added to the category's logit
# (log-odds) before the softmax: enough to tip a close call, never enough to overrule clear text.
CHANNEL_HINTS: dict[str, dict[str, float]] = {
    Channel.PETITION_BUREAU.value: {Category.PETITION.value: 1.0},
    Channel.POLICE.value: {Category.PUBLIC_SECURITY.value: 0.5},
}

EMPTY_CATEGORY = Category.OTHER_DISPUTE.value
MAX_CHARACTERS = 4000  # a long letter's first pages decide its category; the rest only costs time
LABELS = dict(Category.choices)
# Words that carry weight in the model only because of how the corpus happens to be phrased; never shown
# as a reason.
GENERIC_WORDS = frozenset(  # a word list reads better as one string than as 62 quoted items
    "现在 一个 自己 每天 他家 我家 其家 家的 出来 之间 中间 下面 上面 别人 什么 这个 那个 已经 一直 没有 不是 "  # noqa: SIM905
    "就是 还是 他们 我们 她们 其他 问题 情况 事情 时候 今年 去年 个月 一下 好几 几个 两个 三个 说是 这样 那样 "
    "还有 因为 所以 但是 可是 如果 然后 后来 当时 一起 一样 我的 他的 其的 不让 不给 要求 希望 反映 请求".split()
)
CHANNEL_LABELS = dict(Channel.choices)


@dataclass(frozen=True)
class Classification:
    category: str  # a Category code
    confidence: float  # calibrated probability of the top category, 0..1
    reasons: list[str]  # human-readable, Chinese: the terms and rules that decided it
    top: list[tuple[str, float]]  # the three best categories with their probabilities
    needs_review: bool  # confidence below REVIEW_THRESHOLD, or not one lexicon term in the text


_model: Model | None = None
_model_lock = threading.Lock()


def get_model() -> Model:
    """The process-wide model: loaded once, or trained once if the stored one is missing or stale."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = _load_or_train()
    return _model


def set_model(model: Model | None) -> None:
    """Replace the process-wide model (after retraining), or forget it so the next call reloads."""
    global _model
    with _model_lock:
        _model = model


def _load_or_train() -> Model:
    path = model_store.MODEL_PATH
    if path.exists():
        loaded = model_store.load(path)
        if model_store.is_current(loaded):
            features.tokenizer()  # load jieba now rather than inside the first classify() call
            return loaded
        logger.warning("triage model %s is stale (corpus or lexicon changed); training in-process", path)
    else:
        logger.warning("triage model %s not found; training in-process", path)
    from fengqiao.triage.train import train

    return train()


def classify(text: str, channel: str | None = None) -> Classification:
    """The category of a case description; `channel` (a Channel code) may nudge a close call."""
    return classify_with(get_model(), text, channel)


def classify_with(model: Model, text: str, channel: str | None = None) -> Classification:
    if not text or not text.strip():
        return Classification(
            category=EMPTY_CATEGORY,
            confidence=0.0,
            reasons=["描述为空，无法自动分类，请人工分流"],
            top=[],
            needs_review=True,
        )
    text = text[:MAX_CHARACTERS]
    extracted = features.extract(text)
    columns, values = model.vectorize(extracted)
    logits = model.inverse_temperature * model.decision(columns, values)
    probabilities = text_only = model.probabilities(logits)
    hints = CHANNEL_HINTS.get(channel or "", {})
    if hints:
        logits = logits.copy()
        for code, bonus in hints.items():
            logits[model.class_index[code]] += bonus
        probabilities = model.probabilities(logits)

    order = np.argsort(-probabilities, kind="stable")
    best = model.classes[order[0]]
    confidence = float(probabilities[order[0]])
    top = [(model.classes[i], round(float(probabilities[i]), 4)) for i in order[:3]]
    # Without a single domain term the decision rests on incidental wording: let a person read it.
    recognised = any(hit.term.isalnum() for hit in extracted.hits)
    needs_review = confidence < REVIEW_THRESHOLD or not recognised

    reasons = _term_reasons(model, text, extracted, columns, values, best, top[1][0])
    if best in hints:
        without = model.classes[int(np.argmax(text_only))]
        reason = (
            f"来源渠道“{CHANNEL_LABELS.get(channel, channel)}”倾向{_label(best)}:"
            f"{text_only[model.class_index[best]]:.2f}→{confidence:.2f}"
        )
        if without != best:
            reason += f"(仅看文本为{_label(without)})"
        reasons.append(reason)
    reasons.append(f"模型判断:{_label(best)} {confidence:.2f}")
    if not recognised:
        reasons.append("文本中没有任何类别的关键词，请人工分流")
    elif needs_review:
        runner_up, runner_up_probability = top[1]
        reasons.append(
            f"置信度低于{REVIEW_THRESHOLD:.2f}，请人工分流;次选:{_label(runner_up)} {runner_up_probability:.2f}"
        )
        other_terms = _lexicon_terms(text, extracted.hits, runner_up)
        if other_terms:
            reasons.append(f"另有关键词{_quote(other_terms)}({_label(runner_up)})")
    return Classification(best, round(confidence, 4), reasons, top, needs_review)


def _term_reasons(
    model: Model,
    text: str,
    extracted: features.Features,
    columns: np.ndarray,
    values: np.ndarray,
    best: str,
    runner_up: str,
) -> list[str]:
    """The lexicon terms of the chosen category found in the text, then the words of the text that
    did most to put that category ahead of the runner-up.

    Only whole words (as jieba cut the text) are shown: a character n-gram such as 遇问 can carry
    weight inside the model but means nothing to the person reading the reason.
    """
    reasons = []
    shown = _lexicon_terms(text, extracted.hits, best)
    if shown:
        reasons.append(f"关键词{_quote(shown)}({_label(best)})")
    words = {features.display(name) for name in extracted.words}
    rows = model.weights[columns]
    margin = values * (rows[:, model.class_index[best]] - rows[:, model.class_index[runner_up]])
    picked: list[str] = []
    for position in np.argsort(-margin, kind="stable"):
        if margin[position] <= 0 or len(picked) == 3:
            break
        column = int(columns[position])
        if column >= len(model.vocabulary):
            continue  # a lexicon score: its terms are listed above
        name = features.display(model.vocabulary[column])
        if name not in words or name in GENERIC_WORDS:
            continue
        term = _in_text(text, name)
        if term is None or any(term in other or other in term for other in shown + picked):
            continue
        picked.append(term)
    if picked:
        reasons.append(f"文本特征{_quote(picked)}({_label(best)})")
    return reasons


def _lexicon_terms(text: str, hits: list[lexicon.Hit], category: str, limit: int = 4) -> list[str]:
    ranked = sorted((hit for hit in hits if hit.category == category), key=lambda hit: -hit.weight)
    terms: list[str] = []
    for hit in ranked:
        term = _in_text(text, hit.term)
        if term and term not in terms and any(character.isalnum() for character in term):
            terms.append(term)
    return terms[:limit]


def _in_text(text: str, term: str) -> str | None:
    """`term` as spelled in the original text (terms are matched in normalised form), or None."""
    if "0" in term and "0" not in text:
        return None  # a number placeholder, not a word of the text
    if term in text:
        return term
    normalised = lexicon.normalize(text)
    position = normalised.find(term)
    if position >= 0 and len(normalised) == len(text):
        return text[position : position + len(term)]
    return None


def _label(code: str) -> str:
    """The category's Chinese label without its parenthetical: 劳动争议纠纷, not 劳动争议纠纷(含欠薪)."""
    return LABELS[code].split("(")[0]


def _quote(terms: list[str]) -> str:
    return "".join(f"“{term}”" for term in terms)
