from django.urls import path

from . import views

urlpatterns = [
    path("analytics/", views.dashboard_page, name="analytics-dashboard"),
    path("analytics/dashboard.csv", views.dashboard_csv, name="analytics-dashboard-csv"),
    path("analytics/map/", views.map_page, name="analytics-map"),
    path("analytics/warnings/", views.warning_inbox, name="analytics-warnings"),
    path("analytics/warnings/analyse/", views.analyse_now, name="analytics-analyse"),
    path("analytics/warnings/<int:warning_id>/", views.warning_detail, name="analytics-warning"),
    path("analytics/briefings/", views.briefings_page, name="analytics-briefings"),
    path(
        "analytics/briefings/<int:briefing_id>.<str:fmt>",
        views.briefing_download,
        name="analytics-briefing-file",
    ),
]
