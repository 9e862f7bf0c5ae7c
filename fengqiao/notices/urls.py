from django.urls import path

from . import views

urlpatterns = [
    path("notices/", views.inbox, name="notice-inbox"),
    path("notices/read/", views.read_all, name="notice-read-all"),
]
