"""Refuse NUL characters at the door. PostgreSQL text cannot hold them, so a NUL anywhere in a
query string, a form or a JSON body would otherwise surface as a 500 deep inside a write."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseBadRequest, JsonResponse

ENCODED = (b"\x00", b"\\u0000", b"%00")


class RefuseNulCharacters:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self._offending_part(request)
        if field is not None:
            if request.path.startswith("/api/"):
                errors = [{"field": field, "reason": "contains a NUL character"}]
                return JsonResponse({"detail": "invalid input", "errors": errors}, status=400)
            return HttpResponseBadRequest("请求中含有不允许的空字符(NUL)。")
        return self.get_response(request)

    @staticmethod
    def _offending_part(request):
        if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.path:
            return "query"
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method in ("POST", "PUT", "PATCH") and not content_type.startswith("multipart/"):
            try:
                body = request.body  # bounded by DATA_UPLOAD_MAX_MEMORY_SIZE
            except RequestDataTooBig:
                return None  # the view answers it (413)
            if any(marker in body for marker in ENCODED):
                return "body"
        return None
