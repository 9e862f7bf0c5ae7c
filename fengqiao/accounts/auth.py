"""API authentication: a bearer token, or the browser session of the staff pages."""

from ninja.security import HttpBearer, django_auth

from .models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


api_auth = [BearerToken(), django_auth]
