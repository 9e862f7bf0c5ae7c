"""The Chinese text pipeline under arbitrary input: classification, risk and fingerprints never
fail, and always answer in their own terms."""

from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao.cases.codes import Category
from fengqiao.triage import related, risk
from fengqiao.triage.classify import classify

TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=300),
    st.sampled_from(["", " ", "\x00", "<script>alert(1)</script>", "🙂" * 50, "欠薪" * 200]),
)


@given(TEXT)
@settings(max_examples=200, deadline=None)
def test_classification_always_answers(text):
    result = classify(text)
    assert result.category in Category.values
    assert 0.0 <= result.confidence <= 1.0
    assert all(isinstance(reason, str) and reason for reason in result.reasons)
    assert len(result.top) <= 3


@given(TEXT)
@settings(max_examples=200, deadline=None)
def test_risk_and_fingerprints_always_answer(text):
    scored = risk.score(text)
    assert 0 <= scored.score <= 100
    signature = related.signature(text)
    if signature is not None:
        assert len(related.bands(signature)) == related.BANDS
