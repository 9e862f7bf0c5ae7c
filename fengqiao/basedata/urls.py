from django.urls import path

from . import views

urlpatterns = [
    path("basedata/", views.home, name="basedata-home"),
    path("basedata/registers/<slug:code>/", views.register_page, name="basedata-register"),
    path("basedata/registers/<slug:code>/new/", views.new_entry, name="basedata-new-entry"),
    path("basedata/registers/<slug:code>/import/", views.import_page, name="basedata-import"),
    path("basedata/registers/<slug:code>/template.xlsx", views.template_download, name="basedata-template"),
    path("basedata/registers/<slug:code>/export.xlsx", views.export_download, name="basedata-export"),
    path("basedata/entries/<int:entry_id>/", views.entry_page, name="basedata-entry"),
    path("basedata/people/", views.people_page, name="basedata-people"),
    path("basedata/people/<int:person_id>/", views.person_page, name="basedata-person"),
    path("basedata/care/", views.care_page, name="basedata-care"),
    path("basedata/care/<int:plan_id>/visit/", views.visit_page, name="basedata-visit"),
    path("basedata/stats/", views.stats_page, name="basedata-stats"),
]
