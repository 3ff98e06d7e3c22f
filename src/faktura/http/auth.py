"""API-key authentication and scopes: the ``x-api-key`` header → the caller's company.

Each key belongs to one company and carries scopes. A missing, malformed, unknown or
revoked key is 401 ``UNAUTHORIZED`` (the answer never says which); a key without the
operation's scope is 403 ``INSUFFICIENT_PERMISSIONS`` with ``details.requiredScopes``.

A verified key is remembered for ``KeyCache.seconds`` (2 s by default), by the digest
of what was presented (never the secret itself): checking it again would cost a store
read and a hop to a worker thread on every request. The price is that a key revoked in
another process keeps working here for at most that long.
"""

from __future__ import annotations

import hashlib
import threading
import time

import attrs
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from faktura.apikeys import ApiKey, Scope
from faktura.billing import Billing
from faktura.errors import AuthenticationError
from faktura.problems import code_of

from .errors import ApiError

__all__ = ["API_KEY_HEADER", "Caller", "KeyCache", "authenticate", "require"]

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
    return ApiError(
        401, code_of(AuthenticationError), f"a valid API key is required (header {API_KEY_HEADER})"
    )


class KeyCache:
    """Keys verified in the last ``seconds``, by the SHA-256 of the presented secret;
    at most ``size`` of them. ``seconds`` 0 turns it off. Thread-safe."""

    def __init__(self, seconds: float = 2.0, size: int = 1024) -> None:
        self.seconds = seconds
        self.size = size
        self._keys: dict[str, tuple[float, ApiKey]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> ApiKey | None:
        with self._lock:
            found = self._keys.get(digest)
            if found is None:
                return None
            if found[0] <= time.monotonic():
                del self._keys[digest]
                return None
            return found[1]

    def put(self, digest: str, key: ApiKey) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            if len(self._keys) >= self.size:
                now = time.monotonic()
                for stale in [d for d, (until, _) in self._keys.items() if until <= now]:
                    del self._keys[stale]
                if len(self._keys) >= self.size:
                    self._keys.pop(next(iter(self._keys)))
            self._keys[digest] = (time.monotonic() + self.seconds, key)


async def authenticate(billing: Billing, request: Request, cache: KeyCache | None = None) -> Caller:
    """The caller presenting the request's key. Raises ApiError 401."""
    presented = request.headers.get(API_KEY_HEADER)
    if not presented or len(presented) > _MAX_KEY_LENGTH:
        raise _unauthorized()
    digest = hashlib.sha256(presented.encode("utf-8", "surrogatepass")).hexdigest()
    key = cache.get(digest) if cache is not None else None
    if key is None:
        try:
            key = await run_in_threadpool(billing.authenticate, presented)
        except AuthenticationError:
            raise _unauthorized() from None
        if cache is not None:
            cache.put(digest, key)
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
