from django.urls import path

from . import views

urlpatterns = [
    path("emergencies/", views.emergency_list, name="emergency-list"),
    path("cases/<str:number>/emergency/", views.case_emergency, name="case-emergency"),
    path("emergency-steps/<int:pk>/complete/", views.complete_step, name="emergency-step-complete"),
    path("emergency-steps/<int:pk>/skip/", views.skip_step, name="emergency-step-skip"),
]
