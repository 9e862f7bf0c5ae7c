"""classify(): categories, reasons, review flag, channel hints, determinism and speed."""

import re
import statistics
import time

import pytest

from fengqiao.cases.codes import Category
from fengqiao.triage import corpus
from fengqiao.triage.classify import REVIEW_THRESHOLD, Classification, classify, classify_with, get_model
from fengqiao.triage.model import MODEL_PATH, load

# One plain description per category, written for this test (none is in the corpus), and a term the
# reasons must name.
OBVIOUS = [
    ("marriage_family", "丈夫长期家暴，我要离婚，孩子抚养权也要争取", "离婚"),
    ("neighbour", "隔壁邻居家晚上唱歌太吵，跟他说了也不听", "邻居"),
    ("homestead_housing", "堂哥建房占了我家宅基地半米，劝了也不拆", "宅基地"),
    ("contract_debt", "朋友借了我五万块钱，借条写好了一年还，现在拖着不还", "借条"),
    ("business", "我和两个朋友合伙开饭馆，现在散伙了，店里的设备怎么分谈不拢", "合伙"),
    ("damages", "他家的狗把我儿子咬伤了，打狂犬疫苗的钱他家不出", "狂犬疫苗"),
    ("land_forest", "我家承包地的界桩被邻居挪了，地界说不清楚", "承包地"),
    ("land_acquisition", "修高速征地，我家的补偿款到现在还没发", "征地"),
    ("environment", "村边工厂往小河里偷排污水，鱼都死光了", "偷排"),
    ("labour_wages", "包工头拖欠我们十几个农民工半年工资", "包工头"),
    ("medical", "我妈在县医院做手术后感染，医院说不是他们的责任", "手术"),
    ("property_mgmt", "小区物业收了物业费，电梯坏了一个月不修", "物业"),
    ("traffic", "我骑电动车被一辆轿车撞了，交警认定对方全责，他不赔钱", "交警"),
    ("consumer", "在商场买的冰箱三天就坏了，商家不给退货", "退货"),
    ("village_affairs", "村里的财务好几年没公开，集体收益怎么分的没人知道", "集体收益"),
    ("other_dispute", "有人在微信群里造谣说我偷东西，要求他公开道歉", "造谣"),
    ("petition", "我去年到信访局反映的问题，到现在还没有书面答复，要求复查", "信访局"),
    ("legal_consult", "请问一下，父母的房子没有遗嘱，出嫁的女儿能不能继承？", "请问"),
    ("psych_support", "最近总是想不开，晚上失眠，觉得活着没意思", "想不开"),
    ("public_security", "昨晚家里被盗，小偷撬门偷走了现金，已经报警", "被盗"),
    ("safety_hazard", "楼道里燃气管道漏气，味道很大，存在安全隐患", "燃气"),
    ("public_service", "我们小区门口的路灯坏了两个月，晚上很黑，希望修一下", "路灯"),
    ("stability_intel", "听说三十多个工人准备明天去县政府门口拉横幅讨薪", "拉横幅"),
    ("litigation", "法院判决他赔我八万，判了两年了还没执行，申请强制执行也没结果", "判决"),
    ("discipline", "村支书贪污修路款，还把低保给了自己亲戚", "贪污"),
]
QUOTED = re.compile(r"“([^”]+)”")


def test_obvious_examples_cover_every_category():
    assert sorted(code for code, _, _ in OBVIOUS) == sorted(Category.values)


def test_obvious_examples_are_not_in_the_corpus():
    texts = {example.text for example in corpus.load_corpus()}
    assert not [text for _, text, _ in OBVIOUS if text in texts]


@pytest.mark.parametrize(("code", "text", "term"), OBVIOUS, ids=[code for code, _, _ in OBVIOUS])
def test_obvious_example(code, text, term):
    result = classify(text)
    assert result.category == code, result
    assert not result.needs_review
    assert result.confidence >= REVIEW_THRESHOLD
    assert any(f"“{term}”" in reason for reason in result.reasons), result.reasons
    assert result.reasons[-1].startswith("模型判断:")


def test_result_shape():
    result = classify("包工头拖欠我们三个月工资，老板说没钱")
    assert isinstance(result, Classification)
    assert result.category == "labour_wages" and type(result.category) is str
    assert len(result.top) == 3
    assert [code for code, _ in result.top][0] == result.category
    assert result.top[0][1] == pytest.approx(result.confidence, abs=1e-4)
    probabilities = [probability for _, probability in result.top]
    assert probabilities == sorted(probabilities, reverse=True)
    assert 0.0 <= sum(probabilities) <= 1.0 + 1e-6
    assert all(code in Category.values for code, _ in result.top)
    assert "关键词“包工头”" in result.reasons[0] and "(劳动争议纠纷)" in result.reasons[0]
    with pytest.raises(AttributeError):
        result.category = "other_dispute"


@pytest.mark.parametrize("text", ["", "   ", "\n\t　", None])
def test_empty_text_goes_to_review(text):
    result = classify(text)
    assert result.category == "other_dispute"
    assert result.needs_review
    assert result.confidence == 0.0
    assert "为空" in result.reasons[0]


@pytest.mark.parametrize("text", ["啊啊啊", "帮帮我", "那个事情", "钱的问题", "asdf qwer"])
def test_text_without_domain_terms_goes_to_review(text):
    result = classify(text)
    assert result.needs_review
    assert any("人工分流" in reason for reason in result.reasons)


def test_ambiguous_text_goes_to_review_and_names_the_runner_up():
    # Says that there is a matter, not what it is: petition and public service are both plausible.
    result = classify("我要反映一个问题")
    assert result.needs_review
    assert result.confidence < REVIEW_THRESHOLD
    assert any("次选" in reason for reason in result.reasons)


def test_low_confidence_always_means_review():
    for example in corpus.load_unseen():
        result = classify(example.text)
        if result.confidence < REVIEW_THRESHOLD:
            assert result.needs_review


def test_reasons_quote_only_words_that_are_in_the_text():
    examples = corpus.split(corpus.load_corpus())[1][:200] + corpus.load_unseen()
    for example in examples:
        result = classify(example.text)
        for reason in result.reasons:
            if reason.startswith(("关键词", "文本特征", "另有关键词")):
                for term in QUOTED.findall(reason):
                    assert term in example.text, (term, example.text)


def test_dominant_issue_wins_over_a_side_mention():
    result = classify("包工头欠我们工资三个月了，之前他还找我借过两千块")
    assert result.category == "labour_wages"
    result = classify("隔壁邻居前年找我借了两万块钱，写了借条，到现在都不还")
    assert result.category == "contract_debt"


def test_channel_hint_tips_a_close_call_and_says_so():
    text = "我要反映一个问题"
    plain = classify(text)
    hinted = classify(text, channel="petition_bureau")
    assert hinted.category == "petition"
    assert hinted.confidence > plain.confidence
    assert any("来源渠道“信访转办”" in reason for reason in hinted.reasons)
    assert not any("来源渠道" in reason for reason in plain.reasons)


def test_channel_hint_does_not_overrule_clear_text():
    text = "包工头拖欠我们十几个农民工半年工资"
    result = classify(text, channel="petition_bureau")
    assert result.category == "labour_wages"
    assert not any("来源渠道" in reason for reason in result.reasons)
    assert classify(text, channel="window") == classify(text)
    assert classify(text, channel="no-such-channel") == classify(text)


def test_deterministic():
    texts = [text for _, text, _ in OBVIOUS] + [example.text for example in corpus.load_unseen()]
    first = [classify(text) for text in texts]
    assert [classify(text) for text in texts] == first
    reloaded = load(MODEL_PATH)
    assert [classify_with(reloaded, text) for text in texts] == first


def test_very_long_text_is_handled():
    text = "尊敬的领导：" + "包工头拖欠我们工资，" * 2000
    result = classify(text)
    assert result.category == "labour_wages"


def test_fast_after_warm_up():
    get_model()
    texts = [example.text for example in corpus.load_unseen()] * 4
    for text in texts[:10]:
        classify(text)
    durations = []
    for text in texts:
        started = time.perf_counter()
        classify(text)
        durations.append(time.perf_counter() - started)
    # About a millisecond on a developer machine; the bound leaves room for a busy test runner.
    assert statistics.median(durations) < 0.01
