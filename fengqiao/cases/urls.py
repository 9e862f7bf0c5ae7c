from django.urls import path

from . import views

urlpatterns = [
    path("cases/", views.case_list, name="case-list"),
    path("cases/mine/", views.my_work, name="my-work"),
    path("cases/overdue/", views.overdue, name="overdue-board"),
    path("cases/triage/", views.triage_queue, name="triage-queue"),
    path("cases/new/", views.window_intake, name="window-intake"),
    path("cases/report/", views.grid_report, name="grid-report"),
    path("cases/suggest-category/", views.suggest_category, name="suggest-category"),
    path("cases/<str:number>/", views.case_detail, name="case-detail"),
    path("cases/<str:number>/action/", views.case_action, name="case-action"),
    path("follow-up/<str:token>/", views.follow_up_answer, name="follow-up"),
]
