from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render

from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import access_region, visible_regions

from . import panels


@login_required
def home(request):
    user = request.user
    region = user.region
    counts = (
        dict(visible_regions(user).values_list("kind").annotate(n=Count("code")).order_by()) if region else {}
    )
    shown = panels.for_role(user) if region else []
    extra = {}
    for panel in shown:
        if panel.context is not None:
            extra.update(panel.context(user))
    return render(
        request,
        "web/home.html",
        {
            **extra,
            "region": region,
            "ancestors": region.ancestors() if region else [],
            "counts": counts,
            "panels": shown,
            "is_citizen": user.role == Role.CITIZEN,
        },
    )


@login_required
def region_browser(request, code=None):
    user = request.user
    region = access_region(user, code or user.region_id or "")
    children = region.children.annotate(n_children=Count("children")).order_by("code")
    return render(
        request,
        "web/regions.html",
        {"region": region, "ancestors": region.ancestors(), "children": children},
    )


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
