from django.urls import path

from . import views

urlpatterns = [
    path("grid/app/", views.app, name="grid-app"),
    path("grid/app/token", views.app_token, name="grid-app-token"),
    path("grid/sw.js", views.service_worker, name="grid-sw"),
    path("grid/manifest.webmanifest", views.manifest, name="grid-manifest"),
    path("grid/coverage/", views.coverage_page, name="grid-coverage"),
    path("grid/staffing/", views.staffing_page, name="grid-staffing"),
    path("grid/households/", views.households_page, name="grid-households"),
    path("grid/households/import/", views.import_page, name="grid-import"),
    path("grid/photos/<str:client_id>", views.photo, name="grid-photo"),
    path("cases/<str:number>/photos/", views.case_photos, name="case-photos"),
]
