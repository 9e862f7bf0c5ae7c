"""Staff overrides come out as extra training examples that `fengqiao retrain --extra` reads."""

import io
import json

import pytest
from django.core.management import call_command

from fengqiao.cases.actions import Intake, create_case, take_action
from fengqiao.triage import corpus

pytestmark = pytest.mark.django_db


def _overridden(users, text, first, then=None):
    case, _ = create_case(
        Intake(channel="window", description=text, category="neighbour", region_code="990102001001001"),
        actor=users["town1"],
    )
    case.classification = {**case.classification, "category": "neighbour", "confidence": 0.4}
    case.save(update_fields=["classification"])
    case = take_action(case, users["town1"], "reclassify", category=first, note="人工纠正")
    if then:
        take_action(case, users["town1"], "reclassify", category=then, note="再次纠正")
    return case


def test_overrides_export_as_examples_retrain_accepts(users, tmp_path):
    wall = _overridden(users, "隔壁老王家砌墙占了我家宅基地两尺", "homestead_housing")
    twice = _overridden(users, "包工头拖欠我们三个月工钱不给", "contract_debt", then="labour_wages")
    corpus_text = corpus.load_corpus()[0].text
    _overridden(
        users, corpus_text, "petition" if corpus.load_corpus()[0].category != "petition" else "other_dispute"
    )

    path = tmp_path / "overrides.jsonl"
    errors = io.StringIO()
    call_command("export_overrides", "--output", str(path), stderr=errors)

    examples = corpus.read_jsonl(path)  # exactly what `fengqiao retrain --extra` reads
    assert {(example.text, example.category) for example in examples} == {
        ("隔壁老王家砌墙占了我家宅基地两尺", "homestead_housing"),
        ("包工头拖欠我们三个月工钱不给", "labour_wages"),  # the latest correction of a case counts
    }
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert {row["case"] for row in rows} == {wall.number, twice.number}
    assert "2 examples written; 1 already in the corpus" in errors.getvalue()

    future = io.StringIO()
    call_command("export_overrides", "--since", "2999-01-01", stdout=future, stderr=io.StringIO())
    assert future.getvalue() == ""


def test_admin_exports_selected_overrides(users, client):
    from fengqiao.triage.models import TriageOverride

    _overridden(users, "楼上天天半夜拖椅子吵得睡不着觉", "property_mgmt")
    client.force_login(users["admin"])
    response = client.post(
        "/admin/triage/triageoverride/",
        {
            "action": "export_for_training",
            "_selected_action": list(TriageOverride.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 200
    row = json.loads(response.content.decode().splitlines()[0])
    assert row["category"] == "property_mgmt" and row["text"] == "楼上天天半夜拖椅子吵得睡不着觉"
