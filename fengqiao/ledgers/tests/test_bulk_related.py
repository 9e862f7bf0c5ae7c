"""The vectorised candidate lookup of the bulk import's near-duplicate text step picks exactly the
cases the plain loop picked: the first `limit` distinct cases of the bands, in order, registered
within the window."""

from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao.ledgers.bulk import _BandList, _ref

START = datetime(2024, 1, 1, tzinfo=UTC)
refs = st.one_of(st.tuples(st.just("row"), st.integers(0, 30)), st.tuples(st.just("db"), st.integers(1, 30)))
entries = st.tuples(
    refs, st.integers(0, 400).map(lambda days: START + timedelta(days=days, seconds=days % 7))
)


def plain(bands, since, limit):
    candidates = []
    for held in bands:
        candidates.extend(ref for ref, at in held if at >= since)
    return list(dict.fromkeys(candidates))[:limit]


@settings(max_examples=150, deadline=None)
@given(
    bands=st.lists(st.lists(entries, max_size=40), max_size=6),
    since_days=st.integers(-5, 405),
    limit=st.integers(1, 25),
    slice_size=st.sampled_from([1, 3, 7, 512]),
)
def test_the_vectorised_lookup_picks_what_the_loop_picked(bands, since_days, limit, slice_size):
    since = START + timedelta(days=since_days)
    lists = []
    for held in bands:
        listed = _BandList()
        for ref, at in held:
            listed.append(ref, at)
        lists.append(listed)
    with patch.object(_BandList, "SLICE", slice_size):  # long lists are read a slice at a time
        got = [_ref(code) for code in _BandList.first_distinct(lists, since, limit).tolist()]
    assert got == plain(bands, since, limit)


texts = st.lists(
    st.one_of(
        st.text(alphabet="院墙滴水纠纷邻居村组调解 ,。!abc12", max_size=40),
        st.sampled_from(["", " ", "。。", "ab", "两户因院墙滴水发生争执,要求村里调解"]),
    ),
    max_size=30,
)


@settings(max_examples=100, deadline=None)
@given(texts=texts, chunk=st.integers(1, 7))
def test_the_sheet_wide_minhash_gives_each_text_its_own_signature(texts, chunk):
    from fengqiao.ledgers.bulk import _signatures
    from fengqiao.triage.related import signature

    got = _signatures(texts, chunk=chunk)
    for text, value in zip(texts, got, strict=True):
        expected = signature(text)
        if expected is None:
            assert value is None, text
        else:
            assert value.dtype == expected.dtype and value.tolist() == expected.tolist(), text
