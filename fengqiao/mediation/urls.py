from django.urls import path

from . import views

urlpatterns = [
    path("mediation/mediators/", views.mediator_directory, name="mediator-directory"),
    path("mediation/mediators/import/", views.mediator_import, name="mediator-import"),
    path("mediation/mediators/<int:pk>/", views.mediator_detail, name="mediator-detail"),
    path(
        "mediation/mediators/<int:pk>/availability/",
        views.mediator_availability,
        name="mediator-availability",
    ),
    path("mediation/linkage/", views.linkage, name="linkage-stats"),
    path("mediation/fulfilment/", views.fulfilment, name="mediation-fulfilment"),
    path("cases/<str:number>/mediation/", views.case_mediation, name="case-mediation"),
    path(
        "cases/<str:number>/mediation/agreement.<str:fmt>",
        views.agreement_document,
        name="agreement-document",
    ),
    path(
        "cases/<str:number>/mediation/confirmation.docx",
        views.confirmation_document,
        name="confirmation-document",
    ),
    path("portal/mediators/", views.portal_mediators, name="portal-mediators"),
    path("portal/mediators/agreement.<str:fmt>", views.portal_agreement, name="portal-agreement"),
]
