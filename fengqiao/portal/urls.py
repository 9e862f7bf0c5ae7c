from django.urls import path

from . import views

urlpatterns = [
    path("portal/", views.home, name="portal-home"),
    path("portal/submit/", views.submit, name="portal-submit"),
    path("portal/submitted/", views.submitted, name="portal-submitted"),
    path("portal/track/", views.track, name="portal-track"),
]
