"""Webhook endpoints: a company's subscriptions to its events over HTTP
(``faktura.outbox.WebhookEndpoint``), for ``Billing``'s methods of the same names.

An endpoint is created with a fresh signing secret (``faktura.webhooks.new_secret``),
answered with it that once, as an API key's secret is: the host shows it to whoever set
the endpoint up, who puts it into the receiver (``faktura.webhooks.verify``). The store
keeps the secret itself, as the dispatcher signs with it; ``rotate_secret`` replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import attrs

from faktura.billing.work import Work, check_ids
from faktura.errors import ValidationError
from faktura.outbox import WebhookEndpoint
from faktura.webhooks import new_secret

__all__ = ["KEEP", "WebhookEndpoints"]


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


#: An ``update`` argument left as it is.
KEEP: Final[Any] = _Keep()


def _events(events: object) -> frozenset[str]:
    """``events`` as a set of event types; a ValidationError naming ``events`` (or the
    bad item) for text or anything that is no collection of texts."""
    if isinstance(events, str | bytes) or not isinstance(events, Iterable):
        raise ValidationError("must be a list of event types", field="events", rule="type")
    items = list(events)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise ValidationError("must be an event type", field=f"events.{index}", rule="type")
    return frozenset(items)


@attrs.frozen
class WebhookEndpoints:
    """The webhook-endpoint use cases of one Billing (each method is the Billing method
    of its name: see its docstring there)."""

    _work: Work

    def create(
        self,
        company_id: str,
        url: str,
        events: Iterable[str] = (),
        description: str | None = None,
    ) -> tuple[WebhookEndpoint, str]:
        check_ids(company_id=company_id)
        secret = new_secret()
        endpoint = WebhookEndpoint(
            self._work.ids(),
            company_id,
            url,
            secret,
            self._work.clock.now(),
            _events(events),
            True,
            description,
        )
        with self._work.store.unit_of_work() as uow:
            uow.companies.get(company_id)
            uow.webhooks.add(endpoint)
            uow.commit()
        return endpoint, secret

    def list(self, company_id: str) -> list[WebhookEndpoint]:
        check_ids(company_id=company_id)
        with self._work.store.unit_of_work(readonly=True) as uow:
            return uow.webhooks.for_company(company_id)

    def get(self, company_id: str, endpoint_id: str) -> WebhookEndpoint:
        check_ids(company_id=company_id, endpoint_id=endpoint_id)
        with self._work.store.unit_of_work(readonly=True) as uow:
            return uow.webhooks.get(company_id, endpoint_id)

    def update(
        self,
        company_id: str,
        endpoint_id: str,
        *,
        url: Any = KEEP,
        events: Any = KEEP,
        enabled: Any = KEEP,
        description: Any = KEEP,
    ) -> WebhookEndpoint:
        check_ids(company_id=company_id, endpoint_id=endpoint_id)
        changes: dict[str, Any] = {}
        if url is not KEEP:
            changes["url"] = url
        if events is not KEEP:
            changes["events"] = _events(events)
        if enabled is not KEEP:
            changes["enabled"] = enabled
        if description is not KEEP:
            changes["description"] = description
        with self._work.store.unit_of_work() as uow:
            endpoint = uow.webhooks.get(company_id, endpoint_id)
            changed = attrs.evolve(endpoint, **changes)  # checked as a new endpoint is
            uow.webhooks.update(changed)
            uow.commit()
        return changed

    def delete(self, company_id: str, endpoint_id: str) -> None:
        check_ids(company_id=company_id, endpoint_id=endpoint_id)
        with self._work.store.unit_of_work() as uow:
            uow.webhooks.remove(company_id, endpoint_id)
            uow.commit()

    def rotate_secret(self, company_id: str, endpoint_id: str) -> tuple[WebhookEndpoint, str]:
        check_ids(company_id=company_id, endpoint_id=endpoint_id)
        secret = new_secret()
        with self._work.store.unit_of_work() as uow:
            endpoint = attrs.evolve(uow.webhooks.get(company_id, endpoint_id), secret=secret)
            uow.webhooks.update(endpoint)
            uow.commit()
        return endpoint, secret
