from django.urls import path

from . import views

urlpatterns = [
    path("notices/", views.inbox, name="notice-inbox"),
    path("notices/read/", views.read_all, name="notice-read-all"),
    path("notices/unread/", views.unread, name="notice-unread"),
    path("notices/<int:pk>/", views.open_notice, name="notice-open"),
    path("notices/<int:pk>/read/", views.read_one, name="notice-read"),
]
