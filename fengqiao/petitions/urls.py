from django.urls import path

from . import views

urlpatterns = [
    path("cases/<str:number>/petition/", views.petition_page, name="petition-detail"),
    path("cases/<str:number>/petition/<str:step>.docx", views.petition_document, name="petition-document"),
    path("portal/petitions/", views.portal_petition, name="portal-petition"),
    path("portal/petitions/<str:step>.docx", views.portal_petition_document, name="portal-petition-document"),
]
