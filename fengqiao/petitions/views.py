"""The petition procedure page of a case: its steps, clocks and generated documents."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render

from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import access_case

from . import actions, documents


def _petition(request, number):
    if request.user.role == Role.CITIZEN and not request.user.is_superuser:
        raise PermissionDenied
    case = access_case(request.user, number)
    petition = getattr(case, "petition", None)
    if petition is None:
        raise Http404("no petition procedure on this case")
    return case, petition


@login_required
def petition_page(request, number):
    case, petition = _petition(request, number)
    windows = {kind: actions.request_window(petition, kind) for kind in ("review", "re_review")}
    steps = [(step, documents.STEPS[step]) for step in documents.available_steps(petition)]
    return render(
        request,
        "petitions/petition.html",
        {
            "case": case,
            "petition": petition,
            "steps": steps,
            "reviews": petition.reviews.all(),
            "windows": windows,
        },
    )


@login_required
def petition_document(request, number, step):
    case, petition = _petition(request, number)
    try:
        content = documents.document(petition, step)
    except KeyError:
        raise Http404 from None
    from urllib.parse import quote

    response = HttpResponse(content, content_type=documents.DOCX_TYPE)
    name = quote(f"{documents.STEPS[step]}-{case.number}.docx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response
