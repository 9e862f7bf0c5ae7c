from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("regions/", views.region_browser, name="region-browser"),
    path("regions/<str:code>/", views.region_browser, name="region-detail"),
    path("healthz", views.healthz, name="healthz"),
]
