"""What a locked-out client is told: the API answers JSON, pages a Chinese page."""

from django.http import JsonResponse
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "too many failed logins; try again later"}, status=429)
    return render(request, "registration/locked_out.html", status=429)
