import pytest

from conftest import DEMO_PASSWORD
from fengqiao.cases.models import Case
from fengqiao.people.models import AccessLog

VALID_ID = "11010519491231002X"


def login(client, username):
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def window_post(**overrides):
    data = {
        "channel": "window",
        "description": "来访人称邻居在两家交界处砌墙,占用其宅基地约半米,多次协商不成。",
        "category": "homestead_housing",
        "applicant_name": "陈大伯",
        "applicant_phone": "13600001111",
        "applicant_id_number": VALID_ID,
        "respondent_name": "陈二",
        "region_code": "990102001000",
        "client_id": "6f0e5c1e-3d4b-4c1e-9a57-2f6b1a7c0d11",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_window_registers_a_walk_in_and_shows_it(client):
    login(client, "town1")
    form = client.get("/cases/new/")
    assert form.status_code == 200 and "窗口登记" in form.content.decode()
    response = client.post("/cases/new/", window_post(), follow=True)
    case = Case.objects.get(client_id="6f0e5c1e-3d4b-4c1e-9a57-2f6b1a7c0d11")
    page = response.content.decode()
    assert case.number in page and "房屋宅基地纠纷" in page
    assert "陈大伯" in page and VALID_ID not in page  # masked by default
    assert case.parties.count() == 2 and case.channel == "window"


@pytest.mark.django_db
def test_resubmitting_the_window_form_makes_no_second_case(client):
    login(client, "town1")
    client.post("/cases/new/", window_post())
    client.post("/cases/new/", window_post())
    assert Case.objects.filter(description__startswith="来访人称邻居在两家交界处砌墙").count() == 1


@pytest.mark.django_db
def test_window_form_shows_errors_next_to_the_fields_and_keeps_the_input(client):
    login(client, "town1")
    count = Case.objects.count()
    response = client.post(
        "/cases/new/", window_post(description="", applicant_id_number="110105194912310021")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "必填" in page and "身份证号码" in page
    assert "陈大伯" in page  # what was typed is still there
    assert Case.objects.count() == count


@pytest.mark.django_db
def test_only_centre_staff_use_the_window(client):
    login(client, "grid1")
    assert client.get("/cases/new/").status_code == 403
    assert client.get("/cases/report/").status_code == 200


@pytest.mark.django_db
def test_grid_report_from_the_phone_lands_in_the_workers_grid(client, users, grid_point):
    login(client, "grid1")
    grid = users["grid1"].region_id
    lat, lng, located = grid_point(grid[:12][:9], 0)
    assert located == grid
    client.post(
        "/cases/report/",
        {
            "description": "巡查发现村口电线杆倾斜,存在安全隐患",
            "lat": lat,
            "lng": lng,
            "category": "safety_hazard",
        },
    )
    case = Case.objects.get(description="巡查发现村口电线杆倾斜,存在安全隐患")
    assert (case.channel, case.grid_code, case.level) == ("grid", grid, "town")  # hazards: township centre


@pytest.mark.django_db
def test_actions_from_the_detail_page(client, make_case):
    case = make_case("town1")
    login(client, "town1")
    client.post(f"/cases/{case.number}/action/", {"action": "accept"})
    client.post(f"/cases/{case.number}/action/", {"action": "dispatch", "units": ["990102-public_security"]})
    case.refresh_from_db()
    assert case.status == "dispatched"
    response = client.post(f"/cases/{case.number}/action/", {"action": "escalate"}, follow=True)
    assert "请填写说明" in response.content.decode()
    assert Case.objects.get(pk=case.pk).level == "town"


@pytest.mark.django_db
def test_detail_shows_only_the_actions_the_user_may_take(client, make_case):
    case = make_case("town1")
    login(client, "leader")
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'value="instruct"' in page and 'value="urge"' in page  # leaders supervise…
    assert 'value="accept"' not in page and 'value="dispatch"' not in page  # …and handle nothing
    client.logout()
    login(client, "town1")
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'value="accept"' in page and 'value="close"' not in page


@pytest.mark.django_db
def test_revealing_parties_on_the_page_is_audited(client, make_case):
    case = make_case("town1")
    login(client, "county")
    page = client.post(f"/cases/{case.number}/", {"reveal": "1"}).content.decode()
    assert VALID_ID in page
    assert AccessLog.objects.filter(user__username="county", object_id=case.number).count() == 1
    client.logout()
    login(client, "leader")
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "查看完整信息" not in page
    page = client.post(f"/cases/{case.number}/", {"reveal": "1"}).content.decode()
    assert VALID_ID not in page


@pytest.mark.django_db
def test_list_filters_and_scoping(client, make_case):
    mine = make_case("town1", category="traffic", description="两辆电动车相撞,车主争执不下")
    other = make_case("town2", description="town2 的事项")
    login(client, "town1")
    page = client.get("/cases/", {"category": "traffic"}).content.decode()
    assert mine.number in page and other.number not in page
    page = client.get("/cases/", {"q": "电动车"}).content.decode()
    assert mine.number in page
    partial = client.get("/cases/", {"q": "电动车"}, HTTP_HX_REQUEST="true").content.decode()
    assert mine.number in partial and "<html" not in partial
    assert client.get(f"/cases/{other.number}/").status_code == 404


@pytest.mark.django_db
def test_my_work_and_overdue_board(client, make_case, act):
    case = act(
        act(make_case("town1"), "town1", "accept"), "town1", "dispatch", units=["990102-public_security"]
    )
    login(client, "police1")
    assert case.number in client.get("/cases/mine/").content.decode()
    client.logout()
    login(client, "mediator1")
    assert case.number not in client.get("/cases/mine/").content.decode()
    client.logout()
    Case.objects.filter(pk=case.pk).update(overdue=True)
    login(client, "county")
    assert case.number in client.get("/cases/overdue/").content.decode()


@pytest.mark.django_db
def test_home_panel_counts_the_users_work(client, make_case):
    make_case("town1")
    login(client, "town1")
    page = client.get("/").content.decode()
    assert "事项概况" in page and "待办" in page


@pytest.mark.django_db
def test_admins_set_time_limits_and_see_cases_read_only(client, make_case):
    case = make_case("town1")
    login(client, "admin")
    response = client.post(
        "/admin/cases/deadlinerule/add/",
        {"stage": "handle", "category": "traffic", "level": "town", "amount": 5, "counting": "working"},
    )
    assert response.status_code == 302
    from fengqiao.cases.deadlines import limit_for

    limit = limit_for("handle", "traffic", "town")
    assert (limit.amount, limit.counting, limit.yellow_after) == (5, "working", 3)
    page = client.get(f"/admin/cases/case/{case.pk}/change/")
    assert page.status_code == 200 and case.number in page.content.decode()
    assert client.post(f"/admin/cases/case/{case.pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_form_names_the_bad_phone_and_the_bad_id_number_each_for_what_it_is():
    from django.http import QueryDict

    from fengqiao.cases.forms import case_in_from_post

    post = QueryDict(mutable=True)
    post.update(
        {
            "description": "邻里纠纷",
            "region_code": "990102001000",
            "applicant_name": "张三",
            "applicant_phone": "12345",
            "applicant_id_number": "11010519491231002",
        }
    )
    submission, errors = case_in_from_post(post, "window")
    assert submission is None
    assert errors["applicant_phone"] == "电话号码不正确"
    assert errors["applicant_id_number"] in ("身份证号码不正确", "身份证号码校验位不正确")
