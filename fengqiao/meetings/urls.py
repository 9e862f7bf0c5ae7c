from django.urls import path

from . import views

urlpatterns = [
    path("cases/<str:number>/meetings/", views.case_meetings, name="case-meetings"),
    path("meeting-tasks/<int:pk>/complete/", views.complete_task, name="meeting-task-complete"),
    path("meeting-tasks/<int:pk>/cancel/", views.cancel_task, name="meeting-task-cancel"),
]
