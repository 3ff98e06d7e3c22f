"""API keys: issuing a company's keys, authenticating the secret a request presents,
listing and revoking them, for ``Billing``'s methods of the same names. Only a key's
digest is stored; a store that keeps no keys makes these refuse (``Work.api_keys``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

import attrs

from faktura.apikeys import ApiKey, parse_key
from faktura.billing.work import Work, check_ids
from faktura.errors import AuthenticationError, NotFoundError

__all__ = ["ApiKeys"]


@attrs.frozen
class ApiKeys:
    """The API-key use cases of one Billing (each method is the Billing method of its
    name: see its docstring there)."""

    _work: Work

    def create(self, company_id: str, name: str, scopes: Iterable[str]) -> tuple[ApiKey, str]:
        check_ids(company_id=company_id)
        key, secret = ApiKey.issue(
            secrets.token_hex(8),
            company_id,
            name,
            scopes,
            created_at=self._work.clock.now(),
            token=secrets.token_bytes(32),
        )
        with self._work.store.unit_of_work() as uow:
            uow.companies.get(company_id)
            self._work.api_keys(uow).add(key)
            uow.commit()
        return key, secret

    def authenticate(self, presented: object) -> ApiKey:
        parsed = parse_key(presented) if isinstance(presented, str) else None
        if parsed is not None:
            with self._work.store.unit_of_work(readonly=True) as uow:
                try:
                    key = self._work.api_keys(uow).get(parsed[0])
                except NotFoundError:
                    key = None
            if key is not None and key.verify(presented):  # type: ignore[arg-type]
                return key
        raise AuthenticationError("a valid API key is required (header x-api-key)")

    def for_company(self, company_id: str) -> list[ApiKey]:
        check_ids(company_id=company_id)
        with self._work.store.unit_of_work(readonly=True) as uow:
            return self._work.api_keys(uow).for_company(company_id)

    def revoke(self, company_id: str, key_id: str) -> ApiKey:
        check_ids(company_id=company_id, key_id=key_id)
        with self._work.store.unit_of_work() as uow:
            key = self._work.api_keys(uow).get(key_id)
            if key.company_id != company_id:
                raise NotFoundError("api key", key_id)
            revoked = key.revoked(self._work.clock.now())
            self._work.api_keys(uow).update(revoked)
            uow.commit()
        return revoked
