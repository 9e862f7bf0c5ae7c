"""Turns a text into the classifier's raw features: character 1–3-grams, jieba words and lexicon hits.

Training and classification both go through `extract`, so the two can never disagree about what a
feature is. Weighting (tf-idf, block norms) is the model's business, in model.py.
"""

import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass

from fengqiao.triage import lexicon

# Bump when extract() changes what it produces: a model trained on other features is then stale.
FEATURE_VERSION = 1
WORD_PREFIX = "w "  # a space never occurs inside a character n-gram, so the two kinds cannot collide

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SEGMENT = re.compile(r"[^\W_]+")  # runs of letters, digits and CJK characters, split at punctuation
_tokenizer = None
_tokenizer_lock = threading.Lock()


def tokenizer():
    """jieba's tokenizer with the lexicon terms in its dictionary, loaded once per process.

    A private jieba.Tokenizer rather than jieba's global one, so that other code using jieba is not
    affected by our dictionary additions.
    """
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                instance = jieba.Tokenizer()
                instance.initialize()
                for term in lexicon.terms():
                    instance.add_word(term)
                _tokenizer = instance
    return _tokenizer


def model_text(text: str) -> str:
    """Normalised text with every number replaced by 0: amounts, dates and house numbers say nothing
    about the category, and would otherwise each become a rare feature."""
    return _NUMBER.sub("0", lexicon.normalize(text))


@dataclass(frozen=True)
class Features:
    chars: Counter
    words: Counter
    hits: list[lexicon.Hit]


def char_ngrams(text: str) -> Counter:
    grams: Counter = Counter()
    for segment in _SEGMENT.findall(text):
        length = len(segment)
        for n in (1, 2, 3):
            for start in range(length - n + 1):
                grams[segment[start : start + n]] += 1
    return grams


def words(text: str) -> Counter:
    """Multi-character jieba words; single characters are already character unigrams."""
    return Counter(
        WORD_PREFIX + token
        for token in tokenizer().cut(text, HMM=False)
        if len(token) > 1 and _SEGMENT.fullmatch(token)
    )


def extract(text: str) -> Features:
    normalised = model_text(text)
    return Features(chars=char_ngrams(normalised), words=words(normalised), hits=lexicon.find(text))


def display(feature: str) -> str:
    """A feature as a person reads it: the word without its prefix."""
    return feature.removeprefix(WORD_PREFIX)
