import pytest
from django.utils import timezone

from fengqiao.cases.models import Assignment, Case, TimelineEntry
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError

POLICE = "990102-public_security"
TOWN1_CENTRE = "990102001-centre"
TOWN1_MEDIATION = "990102001-mediation"


def kinds(case):
    return list(case.timeline.order_by("at", "id").values_list("kind", flat=True))


@pytest.mark.django_db
def test_walk_in_goes_round_the_whole_loop(make_case, act):
    case = make_case("town1")
    assert case.status == "reported" and case.level == "town"
    assert case.handling_unit.code == TOWN1_CENTRE
    assert case.number.startswith("990102-" + timezone.localdate().strftime("%Y%m%d"))
    case = act(case, "town1", "accept")
    case = act(case, "town1", "dispatch", units=[POLICE], note="请派出所协助")
    assert case.status == "dispatched" and case.handling_unit.code == POLICE
    case = act(case, "police1", "start")
    assert case.assignments.get().state == Assignment.State.ACCEPTED
    case = act(case, "police1", "resolve", note="双方达成和解")
    assert case.resolved_by.username == "police1"
    case = act(case, "town1", "verify")
    case = act(case, "town1", "close", satisfaction=5)
    assert (case.status, case.satisfaction) == ("closed", 5)
    assert kinds(case) == ["reported", "accept", "dispatch", "start", "resolve", "verify", "close"]
    outcomes = {
        (c.stage, c.unit.code if c.unit else None, c.outcome) for c in case.clocks.select_related("unit")
    }
    assert outcomes == {
        ("handle", POLICE, "met"),  # carried over from the centre to the police on dispatch
        ("accept", TOWN1_CENTRE, "met"),  # the centre accepted it in time
        ("accept", POLICE, "met"),
        ("verify", TOWN1_CENTRE, "met"),
    }


@pytest.mark.django_db
def test_joint_handling_has_one_lead_and_every_unit_may_work_it(make_case, act):
    case = act(make_case("town1"), "town1", "accept")
    case = act(case, "town1", "dispatch", units=[TOWN1_MEDIATION, POLICE], lead=POLICE)
    assert case.track == "joint"
    leads = dict(case.assignments.values_list("unit__code", "lead"))
    assert leads == {POLICE: True, TOWN1_MEDIATION: False}
    assert act(case, "mediator1", "start").status == "in_progress"


@pytest.mark.django_db
def test_a_unit_returns_a_case_with_its_reason_and_it_is_dispatched_again(make_case, act):
    case = act(act(make_case("town1"), "town1", "accept"), "town1", "dispatch", units=[POLICE])
    with pytest.raises(FieldError) as missing:
        act(case, "police1", "return")
    assert missing.value.field == "note"
    case = act(case, "police1", "return", note="不属于公安职责,建议司法所调解")
    assert case.status == "accepted" and case.handling_unit.code == TOWN1_CENTRE
    assert case.assignments.get().state == Assignment.State.RETURNED
    case = act(case, "town1", "dispatch", units=[TOWN1_MEDIATION])
    assert case.handling_unit.code == TOWN1_MEDIATION
    entry = case.timeline.get(kind="return")
    assert entry.note == "不属于公安职责,建议司法所调解"
    assert entry.actor.username == "police1"


@pytest.mark.django_db
def test_only_the_holding_unit_works_a_case(make_case, act):
    case = act(act(make_case("town1"), "town1", "accept"), "town1", "dispatch", units=[POLICE])
    with pytest.raises(ActionRefused) as refused:
        act(case, "mediator1", "start")
    assert refused.value.status == 403
    assert Case.objects.get(pk=case.pk).status == "dispatched"


@pytest.mark.django_db
def test_the_resolver_cannot_verify_their_own_work(make_case, act):
    case = act(act(make_case("town1"), "town1", "accept"), "town1", "start")
    case = act(case, "town1", "resolve", note="当场调解")
    with pytest.raises(ActionRefused) as refused:
        act(case, "town1", "verify")
    assert refused.value.status == 403
    assert "someone other" in refused.value.message
    assert act(case, "county", "verify").status == "verified"


@pytest.mark.django_db
def test_failed_verification_sends_it_back_without_new_time(make_case, act):
    case = act(act(make_case("town1"), "town1", "accept"), "town1", "start")
    deadline = case.deadline_at
    case = act(case, "town1", "resolve", note="已处理")
    case = act(case, "county", "redo", note="申请人反映问题仍在")
    assert case.status == "in_progress"
    assert case.deadline_at == deadline


@pytest.mark.django_db
def test_reject_needs_a_reason_and_reopen_brings_it_back(make_case, act):
    case = make_case("town1")
    with pytest.raises(FieldError):
        act(case, "town1", "reject")
    case = act(case, "town1", "reject", note="不属于受理范围")
    assert case.status == "rejected"
    case = act(case, "town1", "reopen", note="申请人补充材料")
    assert case.status == "accepted"
    assert set(case.clocks.filter(outcome="running").values_list("stage", flat=True)) == {"handle", "accept"}


@pytest.mark.django_db
def test_a_township_cannot_act_on_a_case_raised_to_the_county(make_case, act):
    case = act(make_case("town1"), "town1", "escalate", note="涉及多个部门,镇级无法协调")
    assert case.level == "county"
    assert case.handling_unit.code == "990102-centre"
    with pytest.raises(ActionRefused) as refused:
        act(case, "town1", "accept")
    assert refused.value.status == 403
    assert act(case, "county", "accept").status == "accepted"


@pytest.mark.django_db
def test_closing_rating_must_be_one_to_five(make_case, act):
    case = act(act(make_case("town1"), "town1", "accept"), "town1", "start")
    case = act(act(case, "town1", "resolve", note="ok"), "county", "verify")
    with pytest.raises(FieldError) as bad:
        act(case, "town1", "close", satisfaction=9)
    assert bad.value.field == "satisfaction"
    assert act(case, "town1", "close").satisfaction is None


@pytest.mark.django_db
def test_timeline_entries_cannot_be_changed_or_deleted(make_case):
    entry = TimelineEntry.objects.filter(case=make_case("town1")).first()
    entry.note = "篡改"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


@pytest.mark.django_db
def test_grid_report_starts_in_the_village_and_the_grid_worker_can_settle_it(make_case, act, users):
    case = make_case("grid1", channel="grid", category="neighbour", region_code=users["grid1"].region_id)
    assert case.level == "village"
    assert case.grid_code == users["grid1"].region_id
    assert case.handling_unit == users["grid1"].unit
    case = act(act(case, "grid1", "start"), "grid1", "resolve", note="现场劝解,双方握手言和")
    assert case.status == "resolved"
