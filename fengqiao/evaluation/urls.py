from django.urls import path

from . import views

urlpatterns = [
    path("evaluation/", views.evaluation_page, name="evaluation"),
    path("evaluation/export.xlsx", views.evaluation_export, name="evaluation-export"),
    path("evaluation/checklist/", views.checklist_fill, name="evaluation-checklist"),
    path("threezero/", views.threezero_page, name="threezero"),
    path("threezero/events/", views.threezero_event, name="threezero-event"),
]
