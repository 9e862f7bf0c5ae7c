"""Errors that name the field at fault; the API answers them as
{"detail": "invalid input", "errors": [{"field": ..., "reason": ...}]}."""


class FieldError(Exception):
    def __init__(self, field: str, reason: str, status: int = 422):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.status = status
