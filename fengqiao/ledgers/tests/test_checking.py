"""The fast validation of ledger rows (ledgers.checking) gives exactly the verdict of the API's
(imports._submission: CaseIn): the same submission, the same row fields, the same problems with
the same field named — for good rows and bad ones in every field."""

from datetime import date, datetime, time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fengqiao.ledgers import imports
from fengqiao.ledgers.checking import Checker

LAYOUT = imports.LAYOUTS["cases"]

phones = st.sampled_from(
    [
        "13800138000",
        "138 0013 8000",
        "+8613700137000",
        "１３９００１３９０００",
        "057188001234",
        "0571-8800123",
        "010-12345678",
        "12345",
        "+14155550100",
        "19912345678",
        "1380013800",
        "abc",
        "13800138000" * 3,
        "",
        "   ",
    ]
) | st.text(alphabet="0123456789+- ", max_size=14)
id_numbers = st.sampled_from(
    [
        "11010519491231002X",
        "11010519491231002x",
        "110105194912310021",
        "110105 19491231 002X",
        "910105194912310028",
        "00010519491231002X",
        "11010521001231002X",
        "1101051949123100",
        "",
    ]
) | st.text(alphabet="0123456789X", min_size=17, max_size=19)
names = st.sampled_from(["王五", "欧阳娜娜", "", " ", "李" * 51, "赵" * 50]) | st.text(max_size=6)
moments = st.sampled_from(
    [None, "", "2026-01-31", "2026/01/31 09:30", "2026.1.31", "31/01/2026", "1800-01-01", "tomorrow"]
) | st.one_of(
    st.datetimes(min_value=datetime(1850, 1, 1), max_value=datetime(2300, 1, 1)),
    st.dates(min_value=date(1850, 1, 1), max_value=date(2300, 1, 1)),
    st.just(time(9, 30)),
    st.floats(allow_nan=False, allow_infinity=False),
)
ANY = {
    "channel": st.sampled_from(["", "窗口受理", "window", "网格员上报", "热线", None]),
    "category": st.sampled_from(["", "邻里纠纷", "neighbour", "山林土地纠纷", "不知道", None]),
    "title": st.sampled_from(["", "楼道堆放杂物", "标" * 201, "标" * 200]),
    "description": st.sampled_from(["两户因院墙滴水发生争执", "", "  ", "述" * 5001, "述" * 5000])
    | st.text(max_size=10),
    "occurred_at": moments,
    "address": st.sampled_from(["", "城关镇东街12号", "址" * 201]),
    "region_code": st.sampled_from(
        ["990102001000", 990102001000, 990102001000.0, "", "99010200100", "000102001000", "99a102001000"]
        + ["990102001000001", "9" * 21, "9" * 24, None]
    ),
    "applicant_name": names,
    "applicant_phone": phones | st.just(13800138000),
    "applicant_id_number": id_numbers,
    "respondent_name": names,
    "respondent_phone": phones,
    "number": st.just(None),
}
GOOD = {
    "channel": st.sampled_from(["", "窗口受理", "window", None]),
    "category": st.sampled_from(["", "邻里纠纷", "neighbour", "山林土地纠纷", None]),
    "title": st.sampled_from(["", "楼道堆放杂物", "标" * 200]),
    "description": st.text(min_size=1, max_size=30).filter(str.strip),
    "occurred_at": st.one_of(
        st.none(),
        st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1)),
        st.sampled_from(["2026-01-31", "2026/01/31 09:30", "2026.1.31 09:30:05"]),
    ),
    "address": st.sampled_from(["", "城关镇东街12号"]),
    "region_code": st.sampled_from(["990102001000", 990102001000, "990102001000001"]),
    "applicant_name": st.sampled_from(["王五", "欧阳娜娜", "", "赵" * 50]),
    "applicant_phone": st.sampled_from(["13800138000", "+8613700137000", "057188001234", "010-12345678", ""]),
    "applicant_id_number": st.sampled_from(["11010519491231002X", "11010519491231002x", ""]),
    "respondent_name": st.sampled_from(["", "赵六"]),
    "respondent_phone": st.sampled_from(["", "13900139000"]),
    "number": st.just(None),
}


@st.composite
def rows(draw):
    """A sound row with none, one or a few fields drawn from anything (good or bad)."""
    spoiled = draw(st.sets(st.sampled_from(sorted(ANY)), max_size=3))
    return {key: draw(ANY[key] if key in spoiled else GOOD[key]) for key in ANY}


def verdict(answer):
    submission, fields, problems = answer
    if submission is None:
        return None, None, fields, problems
    return submission.model_dump_json(), submission.to_intake(), fields, problems


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=rows())
def test_the_fast_path_gives_the_verdict_of_the_api(cells):
    checker = Checker(LAYOUT)
    assert verdict(checker.submission(cells)) == verdict(imports._submission(cells, LAYOUT))
    # and again from the checker's caches
    assert verdict(checker.submission(cells)) == verdict(imports._submission(cells, LAYOUT))


def test_a_sound_row_is_not_sent_to_the_slow_path():
    checker = Checker(LAYOUT)
    cells = {
        "channel": "窗口受理",
        "category": "邻里纠纷",
        "description": "两户因院墙滴水发生争执",
        "occurred_at": datetime(2026, 1, 31, 9, 30),
        "region_code": "990102001000",
        "applicant_name": "王五",
        "applicant_phone": "13800138000",
        "applicant_id_number": "11010519491231002X",
        "respondent_name": "赵六",
    }
    for _ in range(3):
        assert verdict(checker.submission(cells)) == verdict(imports._submission(cells, LAYOUT))
    assert checker.delegated == 0
    assert checker.phones == {"13800138000": "+8613800138000"}


@settings(max_examples=200, deadline=None)
@given(value=moments)
def test_dates_are_read_as_the_api_reads_them(value):
    checker = Checker(LAYOUT)
    try:
        expected = imports._datetime(value)
    except ValueError as error:
        expected = error.args
    try:
        got = checker.datetime(value)
    except ValueError as error:
        got = error.args
    assert got == expected
    assert type(got) is type(expected)
