from django.urls import path

from . import views

urlpatterns = [
    path("ledgers/", views.index, name="ledgers"),
    path("ledgers/<str:kind>/export.xlsx", views.export, name="ledger-export"),
    path("ledgers/<str:kind>/template.xlsx", views.template, name="ledger-template"),
    path("ledgers/<str:kind>/import/", views.import_view, name="ledger-import"),
]
