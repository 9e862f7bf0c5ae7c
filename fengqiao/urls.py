from django.contrib import admin
from django.urls import include, path

from .api import api

admin.site.site_header = "枫桥 · 系统管理"
admin.site.site_title = "枫桥"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("open311/v2/", include("fengqiao.open311.urls")),
    path("", include("fengqiao.meetings.urls")),
    path("", include("fengqiao.grid.urls")),
    path("", include("fengqiao.mediation.urls")),
    path("", include("fengqiao.petitions.urls")),
    path("", include("fengqiao.supervision.urls")),
    path("", include("fengqiao.evaluation.urls")),
    path("", include("fengqiao.analytics.urls")),
    path("", include("fengqiao.ledgers.urls")),
    path("", include("fengqiao.portal.urls")),
    path("", include("fengqiao.basedata.urls")),
    path("", include("fengqiao.services.urls")),
    path("", include("fengqiao.emergencies.urls")),
    path("", include("fengqiao.cases.urls")),
    path("", include("fengqiao.notices.urls")),
    path("", include("fengqiao.web.urls")),
]
