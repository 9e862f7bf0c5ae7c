from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .actions import mark_read


@login_required
def inbox(request):
    notices = request.user.notices.select_related("case")
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    return render(
        request, "notices/inbox.html", {"page": page, "unread": notices.filter(read_at__isnull=True).count()}
    )


@login_required
@require_POST
def read_all(request):
    mark_read(request.user)
    return redirect("notice-inbox")
