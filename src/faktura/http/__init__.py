"""The reference HTTP adapter: the reference API's invoice API as an ASGI app (Starlette).

Needs the ``http`` extra (``pip install 'faktura[http]'``); importing ``faktura`` never
imports it. ``create_app(billing)`` answers every route of ``docs/http-api.md`` and
serves its OpenAPI document at ``/openapi.json``.
"""

from __future__ import annotations

try:
    import starlette  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    from faktura.errors import ConfigurationError

    raise ConfigurationError(
        "the HTTP adapter needs the http extra: pip install 'faktura[http]'"
    ) from exc

from faktura.http.app import create_app

__all__ = ["create_app"]
