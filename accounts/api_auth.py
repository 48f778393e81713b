from django.http import HttpRequest
from ninja.security import HttpBearer

from accounts.services import api_token_authenticate


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a personal API token."""

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_authenticate(secret=token.strip())
        if user is not None:
            request.user = user
        return user
