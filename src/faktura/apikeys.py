"""API keys: one company, a set of scopes, stored hashed (pure: no I/O).

A key reads ``fk_<key id>_<secret>``. The key id (16 hex digits) finds the stored
record; the secret (43 URL-safe characters, 256 random bits) is never stored, only its
SHA-256 digest, compared in constant time. A slow password hash would add nothing: the
secret is random and long, so its digest cannot be guessed backwards.

>>> key, secret = ApiKey.issue("0123456789abcdef", "k1", "ci", {Scope.INVOICES_READ},
...     created_at=datetime(2026, 11, 25, tzinfo=UTC), token=b"x" * 32)
>>> secret
'fk_0123456789abcdef_eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg'
>>> key.verify(secret), key.verify(secret[:-1] + "h")
(True, False)
>>> parse_key("not a key") is None
True
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import re
from collections.abc import Iterable
from datetime import UTC, datetime

import attrs

from faktura.errors import ValidationError
from faktura.lines import check_text

__all__ = ["ApiKey", "Scope", "parse_key"]

_KEY = re.compile(r"fk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})\Z", re.ASCII)


class Scope(enum.StrEnum):
    """What a key may do. ``WEBHOOKS`` is the access point's status callback (it calls
    us); ``EVENTS`` manages the company's own webhook endpoints (we call them)."""

    INVOICES_READ = "invoices-read"
    INVOICES_WRITE = "invoices-write"
    INVOICES_SEND = "invoices-send"
    CUSTOMERS_READ = "customers-read"
    CUSTOMERS_WRITE = "customers-write"
    PAYMENTS_WRITE = "payments-write"
    PAYMENTS_READ = "payments-read"
    REMINDERS_READ = "reminders-read"
    REMINDERS_WRITE = "reminders-write"
    COMPANY_READ = "company-read"
    COMPANY_WRITE = "company-write"
    WEBHOOKS = "webhooks"
    SCHEDULES_READ = "schedules-read"
    SCHEDULES_WRITE = "schedules-write"
    BILLING_RUNS = "billing-runs"
    EVENTS = "events"

    @classmethod
    def parse(cls, values: Iterable[str], field: str = "scopes") -> frozenset[Scope]:
        """Scopes from their names; ValidationError naming ``field`` for an unknown one."""
        if isinstance(values, str | bytes) or not isinstance(values, Iterable):
            raise ValidationError("must be a list of scope names", field=field, rule="type")
        scopes = set()
        for value in values:
            try:
                if not isinstance(value, str):
                    raise ValueError(value)
                scopes.add(cls(value))
            except ValueError:
                known = ", ".join(s.value for s in cls)
                raise ValidationError(
                    f"unknown scope {value!r} (known: {known})", field=field, rule="scope"
                ) from None
        if not scopes:
            raise ValidationError("at least one scope is needed", field=field, rule="required")
        return frozenset(scopes)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_key(presented: str) -> tuple[str, str] | None:
    """(key id, whole key) of a well-formed key, None for anything else."""
    match = _KEY.match(presented)
    return (match.group(1), presented) if match else None


@attrs.frozen
class ApiKey:
    """A stored key: never the secret, only its digest."""

    id: str
    company_id: str
    name: str
    scopes: frozenset[Scope]
    secret_sha256: str
    created_at: datetime
    revoked_at: datetime | None = None

    @classmethod
    def issue(
        cls,
        key_id: str,
        company_id: str,
        name: str,
        scopes: Iterable[str],
        *,
        created_at: datetime,
        token: bytes,
    ) -> tuple[ApiKey, str]:
        """A new key from 32 random bytes ``token`` (the caller's randomness: the core
        reads none) and the secret to hand out once."""
        if not re.fullmatch(r"[0-9a-f]{16}", key_id):
            raise ValidationError("must be 16 hex digits", field="id", rule="format")
        if len(token) != 32:
            raise ValidationError("must be 32 random bytes", field="token", rule="length")
        check_text(name, "name", required=True, limit=200)
        secret = f"fk_{key_id}_{base64.urlsafe_b64encode(token).decode().rstrip('=')}"
        key = cls(
            key_id,
            company_id,
            name,
            Scope.parse(scopes),
            _digest(secret),
            created_at.astimezone(UTC),
        )
        return key, secret

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def verify(self, presented: str) -> bool:
        """Whether ``presented`` is this key's secret (constant time)."""
        return self.active and hmac.compare_digest(self.secret_sha256, _digest(presented))

    def allows(self, scope: Scope) -> bool:
        return scope in self.scopes

    def revoked(self, at: datetime) -> ApiKey:
        return attrs.evolve(self, revoked_at=self.revoked_at or at)
