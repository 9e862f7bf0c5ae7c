from django.urls import path

from . import views

urlpatterns = [
    path("cases/<str:number>/petition/", views.petition_page, name="petition-detail"),
    path("cases/<str:number>/petition/<str:step>.docx", views.petition_document, name="petition-document"),
]
