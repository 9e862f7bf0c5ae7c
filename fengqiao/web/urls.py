from django.contrib.auth import views as auth_views
from django.urls import path

from fengqiao.accounts import views as account_views

from . import views

urlpatterns = [
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("login/verify/", account_views.login_verify, name="login-verify"),
    path("account/two-factor/", account_views.two_factor, name="two-factor"),
    path("account/two-factor/qr.svg", account_views.two_factor_qr, name="two-factor-qr"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("regions/", views.region_browser, name="region-browser"),
    path("regions/<str:code>/", views.region_browser, name="region-detail"),
    path("healthz", views.healthz, name="healthz"),
]
