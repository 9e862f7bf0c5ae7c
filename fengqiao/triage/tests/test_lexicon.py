"""The lexicon: valid codes, clean terms, longest-match search."""

from fengqiao.cases.codes import Category
from fengqiao.triage import lexicon


def test_every_category_has_strong_and_weak_terms():
    assert set(lexicon.LEXICON) == set(Category.values)
    for code, groups in lexicon.LEXICON.items():
        assert set(groups) == {"strong", "weak"}, code
        assert groups["strong"] and groups["weak"], code
        assert not set(groups["strong"]) & set(groups["weak"]), code
        assert len(set(groups["strong"])) == len(groups["strong"]), code
        assert len(set(groups["weak"])) == len(groups["weak"]), code


def test_terms_are_normalised():
    for term in lexicon.terms():
        assert term == lexicon.normalize(term) and term.strip() == term


def test_longest_match_without_overlap():
    hits = lexicon.find("包工头拖欠工资，还打了欠条")
    terms = [hit.term for hit in hits]
    assert "拖欠工资" in terms and "工资" not in terms
    assert {hit.category for hit in hits if hit.term == "欠条"} == {"contract_debt"}
    assert [hit.term for hit in hits][:2] == ["包工头", "拖欠工资"]


def test_matching_ignores_width_and_case():
    assert lexicon.normalize("ＫＴＶ１１０") == "ktv110"
    assert [hit.term for hit in lexicon.find("老板跑了吗？")] == ["老板跑了", "吗", "?"]


def test_scores_count_each_term_once():
    hits = lexicon.find("工资工资工资")
    assert lexicon.scores(hits) == {"labour_wages": lexicon.STRONG}


def test_fingerprint_is_stable():
    assert lexicon.fingerprint() == lexicon.fingerprint()
    assert len(lexicon.fingerprint()) == 16
