"""The corpus, the unseen set, the held-out split and the generator."""

import importlib.util
import json
from collections import Counter

from fengqiao.cases.codes import Category
from fengqiao.triage import corpus


def load_generator():
    spec = importlib.util.spec_from_file_location("make_corpus", corpus.DATA_DIR / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_corpus_size_and_codes():
    examples = corpus.load_corpus()
    counts = Counter(example.category for example in examples)
    assert set(counts) == set(Category.values)
    assert min(counts.values()) >= 80
    assert len(examples) >= 2000
    assert len({example.text for example in examples}) == len(examples)


def test_corpus_has_short_and_long_texts():
    lengths = [len(example.text) for example in corpus.load_corpus()]
    assert min(lengths) <= 8
    assert sum(length >= 200 for length in lengths) >= 10


def test_unseen_set_is_separate():
    unseen = corpus.load_unseen()
    assert len(unseen) == 50
    assert Counter(example.category for example in unseen) == dict.fromkeys(Category.values, 2)
    texts = {example.text for example in corpus.load_corpus()}
    assert not [example.text for example in unseen if example.text in texts]


def test_split_is_fixed_by_the_text_alone():
    examples = corpus.load_corpus()
    training, held_out = corpus.split(examples)
    assert len(training) + len(held_out) == len(examples)
    assert 0.15 < len(held_out) / len(examples) < 0.25
    # The same text is held out or not regardless of what else is in the corpus.
    assert corpus.split(examples[::-1])[1] == held_out[::-1]
    assert corpus.split(held_out[:10])[1] == held_out[:10]
    assert corpus.is_held_out("邻居家的狗把我家鸡咬死了") == corpus.is_held_out("邻居家的狗把我家鸡咬死了")


def test_generator_reproduces_the_corpus():
    generator = load_generator()
    rows = generator.build()
    lines = corpus.CORPUS_PATH.read_text(encoding="utf-8").splitlines()
    assert [json.dumps(row, ensure_ascii=False) for row in rows] == lines


def test_generator_has_hand_written_examples_for_every_category():
    generator = load_generator()
    assert set(generator.SPECS) == set(Category.values)
    for code, spec in generator.SPECS.items():
        assert len(spec["free"]) >= 15, code
        assert "{" not in "".join(spec["free"]), code
