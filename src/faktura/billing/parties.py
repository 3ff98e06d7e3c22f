"""Companies (the tenants, each a seller) and their customers: creating, reading,
changing and listing them, for ``Billing``'s methods of the same names.

A company's number series may not change how it numbers once documents are booked in
it; a customer is read and written through ``Work.directory`` (the host's own
CustomerDirectory when it plugged one in).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from faktura.billing.work import Work, as_terms, check_ids, check_search, command, page_args
from faktura.checks import check_id
from faktura.commands import CompanyChanges, CompanyProfile, CustomerChanges, NewCustomer, given
from faktura.errors import FieldError, NumberingError, ValidationError
from faktura.parties import Company, Customer
from faktura.ports import InvoiceQuery, ListResult, UnitOfWork
from faktura.profile import check_registered_template, patch_company
from faktura.status import BOOKED_STATUSES, DocumentKind

__all__ = ["Parties"]


@attrs.frozen
class Parties:
    """The company and customer use cases of one Billing (each method is the Billing
    method of its name: see its docstring there)."""

    _work: Work

    def create_company(self, profile: CompanyProfile | Mapping[str, Any]) -> Company:
        if isinstance(profile, CompanyProfile):
            fields = given(profile)
        elif isinstance(profile, Mapping):
            fields = dict(profile)
        else:
            raise ValidationError("must be a CompanyProfile", field="profile", rule="type")
        if "name" not in fields:
            raise ValidationError("is required", field="name", rule="required")
        company_id = fields.pop("id", None)
        company_id = self._work.ids() if company_id is None else check_id(company_id, "id")
        company = patch_company(Company(id=company_id, name="-"), fields)
        with self._work.store.unit_of_work() as uow:
            uow.companies.add(company)
            uow.commit()
        return company

    def get_company(self, company_id: str) -> Company:
        check_ids(company_id=company_id)
        with self._work.store.unit_of_work(readonly=True) as uow:
            return uow.companies.get(company_id)

    def list_companies(self) -> list[Company]:
        with self._work.store.unit_of_work(readonly=True) as uow:
            return uow.companies.list()

    def update_company(
        self, company_id: str, changes: CompanyChanges | Mapping[str, Any]
    ) -> Company:
        check_ids(company_id=company_id)
        if isinstance(changes, CompanyChanges):
            changes = given(changes)
        elif not isinstance(changes, Mapping):
            raise ValidationError("must be CompanyChanges", field="changes", rule="type")
        _refuse_identity_changes(changes, "id")
        with self._work.store.unit_of_work() as uow:
            current = uow.companies.get(company_id)
            company = patch_company(current, changes)
            for kind, name in _SERIES_FIELDS:
                _check_series_change(uow, current, company, kind, name)
            uow.companies.update(company)
            uow.commit()
        return company

    def create_customer(self, company_id: str, customer: NewCustomer) -> Customer:
        check_ids(company_id=company_id)
        fields = _customer_fields(given(command(customer, NewCustomer, "customer")))
        customer_id = fields.pop("id", None)
        customer_id = self._work.ids() if customer_id is None else check_id(customer_id, "id")
        created = Customer(id=customer_id, company_id=company_id, **fields)
        check_registered_template(created.document_template)
        with self._work.store.unit_of_work() as uow:
            uow.companies.get(company_id)
            self._work.directory(uow).add(created)
            uow.commit()
        return created

    def get_customer(self, company_id: str, customer_id: str) -> Customer:
        check_ids(company_id=company_id, customer_id=customer_id)
        with self._work.store.unit_of_work(readonly=True) as uow:
            return self._work.directory(uow).get(company_id, customer_id)

    def update_customer(
        self, company_id: str, customer_id: str, changes: CustomerChanges
    ) -> Customer:
        check_ids(company_id=company_id, customer_id=customer_id)
        fields = _customer_fields(given(command(changes, CustomerChanges, "changes")))
        if fields.get("document_template") is not None:
            check_registered_template(fields["document_template"])
        with self._work.store.unit_of_work() as uow:
            directory = self._work.directory(uow)
            current = directory.get(company_id, customer_id)
            customer = attrs.evolve(current, **fields)
            directory.update(customer)
            uow.commit()
        return customer

    def list_customers(
        self, company_id: str, page: int = 1, limit: int = 20, search: str | None = None
    ) -> ListResult[Customer]:
        check_ids(company_id=company_id)
        page, limit = page_args(page, limit)
        check_search(search)
        with self._work.store.unit_of_work(readonly=True) as uow:
            return self._work.directory(uow).list(company_id, page, limit, search)


_SERIES_FIELDS = (
    (DocumentKind.INVOICE, "invoice_series"),
    (DocumentKind.CREDIT_NOTE, "credit_note_series"),
)


def _check_series_change(
    uow: UnitOfWork, before: Company, after: Company, kind: DocumentKind, name: str
) -> None:
    """NumberingError when the ``kind`` series changes how it numbers (pattern, start,
    reset) although documents are booked in it."""
    old, new = before.series_for(kind), after.series_for(kind)
    changed = [
        field
        for field in ("pattern", "start", "reset")
        if getattr(old, field) != getattr(new, field)
    ]
    if not changed or not _has_booked(uow, before.id, kind):
        return
    raise NumberingError._from_errors(
        FieldError(
            f"{name}.{field}",
            "series_in_use",
            "cannot change once documents are booked in the series",
        )
        for field in changed
    )


def _has_booked(uow: UnitOfWork, company_id: str, kind: DocumentKind) -> bool:
    """Whether the company has booked a document of ``kind`` (it holds a number)."""
    return any(
        uow.invoices.list(company_id, InvoiceQuery(limit=1, status=status, kind=kind)).total
        for status in sorted(BOOKED_STATUSES)
    )


def _refuse_identity_changes(changes: Mapping[str, Any], *names: str) -> None:
    for name in names:
        if name in changes:
            raise ValidationError("cannot be changed", field=name, rule="immutable")


def _customer_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """A customer's fields as given, ``payment_terms`` given as days net made terms."""
    if fields.get("payment_terms") is not None:
        fields["payment_terms"] = as_terms(fields["payment_terms"])
    return fields
