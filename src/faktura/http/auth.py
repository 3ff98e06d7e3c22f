"""API-key authentication and scopes: the ``x-api-key`` header → the caller's company.

Each key belongs to one company and carries scopes. A missing, malformed, unknown or
revoked key is 401 ``UNAUTHORIZED`` (the answer never says which); a key without the
operation's scope is 403 ``INSUFFICIENT_PERMISSIONS`` with ``details.requiredScopes``.
"""

from __future__ import annotations

import attrs
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from faktura.apikeys import ApiKey, Scope
from faktura.billing import Billing
from faktura.errors import AuthenticationError

from .errors import ApiError

__all__ = ["API_KEY_HEADER", "Caller", "authenticate", "require"]

#: The header that carries the key (the OpenAPI security scheme names it too).
API_KEY_HEADER = "x-api-key"
# A well-formed key is 80 characters; anything much longer is not worth a look-up.
_MAX_KEY_LENGTH = 256


@attrs.frozen
class Caller:
    """Who is calling: the key, and through it the company every operation is scoped to."""

    key: ApiKey

    @property
    def company_id(self) -> str:
        return self.key.company_id

    @property
    def actor(self) -> str:
        """How the audit trail names this caller."""
        return f"api-key:{self.key.id}"


def _unauthorized() -> ApiError:
    return ApiError(401, "UNAUTHORIZED", f"a valid API key is required (header {API_KEY_HEADER})")


async def authenticate(billing: Billing, request: Request) -> Caller:
    """The caller presenting the request's key. Raises ApiError 401."""
    presented = request.headers.get(API_KEY_HEADER)
    if not presented or len(presented) > _MAX_KEY_LENGTH:
        raise _unauthorized()
    try:
        key = await run_in_threadpool(billing.authenticate, presented)
    except AuthenticationError:
        raise _unauthorized() from None
    return Caller(key)


def require(caller: Caller, scope: Scope) -> None:
    """Raise ApiError 403 unless the caller's key has ``scope``."""
    if not caller.key.allows(scope):
        raise ApiError(
            403,
            "INSUFFICIENT_PERMISSIONS",
            f"this API key lacks the scope {scope.value!r}",
            {"requiredScopes": [scope.value]},
        )
