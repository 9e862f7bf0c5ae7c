from django.urls import path

from . import views

urlpatterns = [
    path("services/", views.home, name="services-home"),
    path("services/consultations/", views.consultations, name="services-consultations"),
    path("services/legal-aid/", views.legal_aid, name="services-legal-aid"),
    path("services/legal-aid/<int:pk>/", views.aid_detail, name="services-aid-detail"),
    path("services/roster/", views.roster, name="services-roster"),
    path("services/village-advisers/", views.village_advisers, name="services-village-advisers"),
    path("services/psych/", views.psych, name="services-psych"),
    path("services/sessions/new/", views.new_session, name="services-new-session"),
    path("services/sessions/<int:pk>/", views.session_detail, name="services-session"),
    path("services/screenings/new/<str:instrument>/", views.new_screening, name="services-new-screening"),
    path("services/screenings/<int:pk>/", views.screening_detail, name="services-screening"),
    path("services/crises/", views.declare_crisis, name="services-declare-crisis"),
    path("services/crises/<int:pk>/", views.crisis_detail, name="services-crisis"),
]
