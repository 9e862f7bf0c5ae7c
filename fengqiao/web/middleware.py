"""Middleware of the door: refuse NUL characters (PostgreSQL text cannot hold them, so a NUL
anywhere in a query string, a form or a JSON body would otherwise surface as a 500 deep inside a
write), and answer 503 with Retry-After while the database is unreachable."""

import logging

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse

logger = logging.getLogger("fengqiao.web")
RETRY_AFTER_SECONDS = 5

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


class DatabaseUnavailable:
    """A database that restarts or fails over mid-request raises OperationalError/InterfaceError.
    The request's transaction was rolled back, so nothing was half-written: answer 503 with
    Retry-After (a temporary condition the client should retry), not 500 (a bug)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable: %s %s: %s", request.method, request.path, exception)
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"detail": "database unavailable; retry shortly", "errors": []}, status=503
            )
        else:
            response = HttpResponse(
                "系统正在恢复数据库连接,请稍后重试。", status=503, content_type="text/plain; charset=utf-8"
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
