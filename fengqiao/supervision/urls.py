from django.urls import path

from . import views

urlpatterns = [
    path("supervision/", views.notice_list, name="supervision-notices"),
    path("supervision/notices/<int:pk>/document/", views.notice_document, name="supervision-document"),
    path(
        "supervision/notices/<int:pk>/acknowledge/", views.notice_acknowledge, name="supervision-acknowledge"
    ),
    path("supervision/notices/<int:pk>/answer/", views.notice_answer, name="supervision-answer"),
    path("supervision/ledger/", views.ledger, name="supervision-ledger"),
    path("supervision/ledger/<int:pk>/close/", views.ledger_close, name="supervision-ledger-close"),
    path("risk/", views.decision_list, name="risk-decisions"),
    path("risk/<int:pk>/", views.decision_detail, name="risk-decision"),
    path("risk/<int:pk>/status/", views.decision_status, name="risk-decision-status"),
    path("risk/<int:pk>/assess/", views.decision_assess, name="risk-decision-assess"),
    path("risk/assessments/<int:pk>/file/", views.assessment_file, name="risk-assessment-file"),
    path("risk/measures/<int:pk>/complete/", views.measure_complete, name="risk-measure-complete"),
]
