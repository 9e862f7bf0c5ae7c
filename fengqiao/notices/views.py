"""The inbox. Every view answers HTMX requests (HX-Request) with a fragment and plain requests with
a page or a redirect, so the inbox works with and without JavaScript. A change to what is unread
sends the HX-Trigger event "notices-changed", which the unread counters listen for."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .actions import mark_read, unread_count
from .models import Notice

CHANGED = {"HX-Trigger": "notices-changed"}


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _changed(response):
    for name, value in CHANGED.items():
        response[name] = value
    return response


def _list_context(request) -> dict:
    notices = request.user.notices.select_related("case")
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        notices = notices.filter(read_at__isnull=True)
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    return {"page": page, "unread": unread_count(request.user), "only_unread": only_unread}


@login_required
@require_GET
def inbox(request):
    template = "notices/_list.html" if _htmx(request) else "notices/inbox.html"
    return render(request, template, _list_context(request))


@login_required
@require_GET
def open_notice(request, pk: int):
    """Opening a notice marks it read and goes to its case (or back to the inbox)."""
    notice = get_object_or_404(Notice.objects.select_related("case"), pk=pk, recipient=request.user)
    if notice.read_at is None:
        mark_read(request.user, [notice.pk])
    target = reverse("case-detail", args=[notice.case.number]) if notice.case else reverse("notice-inbox")
    if _htmx(request):
        return HttpResponse(headers={"HX-Redirect": target, **CHANGED})
    return redirect(target)


@login_required
@require_POST
def read_one(request, pk: int):
    notice = get_object_or_404(Notice.objects.select_related("case"), pk=pk, recipient=request.user)
    if notice.read_at is None:
        mark_read(request.user, [notice.pk])
        notice.refresh_from_db(fields=["read_at"])
    if _htmx(request):
        return _changed(render(request, "notices/_item.html", {"notice": notice}))
    return redirect("notice-inbox")


@login_required
@require_POST
def read_all(request):
    mark_read(request.user)
    if _htmx(request):
        return _changed(render(request, "notices/_list.html", _list_context(request)))
    return redirect("notice-inbox")


@login_required
@require_GET
def unread(request):
    """The unread count: for HTMX a badge fragment (hx-get, hx-trigger="load, notices-changed
    from:body, every 60s"), or the bare number with ?plain=1; JSON otherwise."""
    count = unread_count(request.user)
    if _htmx(request) and request.GET.get("plain") == "1":
        return HttpResponse(str(count), content_type="text/plain; charset=utf-8")
    if _htmx(request):
        return render(request, "notices/_unread_badge.html", {"unread": count})
    return JsonResponse({"unread": count})
