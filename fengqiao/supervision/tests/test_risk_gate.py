"""Social-stability risk assessment: nothing unassessed proceeds. The gate holds through the API,
the page and the admin alike; measures are followed to completion."""

import pytest

from fengqiao.supervision.models import MajorDecision


@pytest.fixture
def decision(api):
    response = api("county").post(
        "/risk/decisions",
        {
            "title": "枫溪县垃圾焚烧发电项目",
            "kind": "project",
            "proposer": "县城市管理局",
            "region_code": "990102000000",
            "investment": "52000",
            "people_affected": 3000,
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def status(api, decision, wanted, username="county"):
    return api(username).post(f"/risk/decisions/{decision['id']}/status", {"status": wanted})


def assess(api, decision, stage="before_decision", level="low", username="county"):
    response = api(username).post(
        f"/risk/decisions/{decision['id']}/assessments",
        {
            "stage": stage,
            "risks_found": "选址周边村民担心环境影响",
            "risk_level": level,
            "measures": [{"description": "召开听证会,公开环评报告", "due_date": "2030-01-31"}],
        },
    )
    assert response.status_code == 201, response.content
    return response.json()["assessments"][-1]


def test_the_api_refuses_decided_without_a_filed_assessment(api, decision):
    assert decision["grade"] == "major" and decision["status"] == "registered"
    refused = status(api, decision, "decided")
    assert refused.status_code == 409
    assert "assessment" in refused.json()["detail"]

    assessment = assess(api, decision)
    assert status(api, decision, "decided").status_code == 409  # assessed, but not filed (报备)
    assert api("leader").post(f"/risk/assessments/{assessment['id']}/file", {}).status_code == 403
    filed = api("county").post(f"/risk/assessments/{assessment['id']}/file", {"filed_with": "县委政法委"})
    assert filed.status_code == 200
    assert filed.json()["assessments"][0]["filed_with"] == "县委政法委"

    decided = status(api, decision, "decided")
    assert decided.status_code == 200 and decided.json()["status"] == "decided"
    assert status(api, decision, "started").status_code == 200  # the before-decision filing covers it


def test_a_filed_high_risk_assessment_holds_the_item_back(api, decision):
    assessment = assess(api, decision, level="high")
    api("county").post(f"/risk/assessments/{assessment['id']}/file", {})
    refused = status(api, decision, "decided")
    assert refused.status_code == 409 and "high risk" in refused.json()["detail"]
    assert MajorDecision.objects.get(pk=decision["id"]).status == "registered"


def test_measures_are_followed_to_completion(api, decision):
    assessment = assess(api, decision)
    measure = assessment["measures"][0]
    assert measure["done_at"] is None
    done = api("county").post(f"/risk/measures/{measure['id']}/complete", {"result": "听证会已召开"})
    assert done.status_code == 200
    assert done.json()["assessments"][0]["measures"][0]["result"] == "听证会已召开"
    assert api("town2").get(f"/risk/decisions/{decision['id']}").status_code == 404  # outside their scope


def test_the_page_refuses_decided_without_a_filed_assessment(client, users, decision):
    client.force_login(users["county"])
    page = client.get(f"/risk/{decision['id']}/")
    assert "需先报备评估" in page.content.decode()
    response = client.post(f"/risk/{decision['id']}/status/", {"status": "decided"}, follow=True)
    assert "不得标记为“已决策”" in response.content.decode()
    assert MajorDecision.objects.get(pk=decision["id"]).status == "registered"


def test_the_admin_refuses_decided_without_a_filed_assessment(client, users, decision):
    client.force_login(users["admin"])
    url = f"/admin/supervision/majordecision/{decision['id']}/change/"
    assert client.get(url).status_code == 200
    form = {
        "title": decision["title"],
        "kind": "project",
        "proposer": "县城市管理局",
        "region": "990102000000",
        "description": "",
        "investment": "52000",
        "people_affected": "3000",
        "status": "decided",
    }
    response = client.post(url, form)
    assert response.status_code == 200  # the form again, with the error
    assert "须先完成并报备" in response.content.decode()
    assert MajorDecision.objects.get(pk=decision["id"]).status == "registered"
